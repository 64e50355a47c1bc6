/**
 * The rewriter the router uses unless told otherwise: the air-interface stream rewriter
 * (src/dmr/stream_rewriter.ts) — DMRD destination and call type, voice LC header/terminator,
 * identity embedded LC in bursts B–E (talker alias and GPS left intact), CSBK/data-header addresses.
 * @module
 */
import { LcRewrite, SourceLc } from "../../../dmr/stream_rewriter.ts";
import type { RewriterFactory, StreamLcRewrite, StreamSourceLc } from "./rewrite.ts";

export const DEFAULT_REWRITER: RewriterFactory = {
  sourceLc: (): StreamSourceLc => new SourceLc(),
  lcRewrite: (): StreamLcRewrite => new LcRewrite() as StreamLcRewrite,
};
