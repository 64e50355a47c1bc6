/**
 * The rewriter the router uses unless told otherwise.
 * @module
 */
import { HEADER_ONLY_REWRITER, type RewriterFactory } from "./rewrite.ts";

export const DEFAULT_REWRITER: RewriterFactory = HEADER_ONLY_REWRITER;
