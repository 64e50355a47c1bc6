/**
 * The router's view of stream rewriting (hbp-and-dmr.md §2.10): one source-LC tracker per inbound
 * stream and one prepared rewrite per (inbound stream, target destination + call type). The real
 * implementation is src/dmr/stream_rewriter.ts; this seam lets the router use it through a small
 * interface (and lets a test swap it).
 * @module
 */
import type { CallType, DmrdFrame } from "../../../wire/dmrd.ts";

export interface StreamSourceLc {
  /** Start a stream: LC seeded from the DMRD fields. */
  reset(frame: DmrdFrame): void;
  /** Learn from one inbound frame; true when the identity LC changed. */
  observe(frame: DmrdFrame): boolean;
  /** Talker alias collected from the stream's embedded LCs. */
  readonly talkerAlias: { readonly complete: boolean; readonly text: string };
  /** talkerAlias.complete, kept in this object: checked for every frame of a call until published, without reaching the alias */
  readonly talkerAliasComplete: boolean;
}

export interface StreamLcRewrite {
  prepare(source: StreamSourceLc, destinationId: number, callType: CallType): void;
  /** Rewrite the 55-byte egress copy `target` of `frame` in place (DMRD dst/call type and the LC inside the burst). */
  apply(frame: DmrdFrame, target: Uint8Array): unknown;
  /** Forget the source before the record is reused for another stream. */
  release?(): void;
}

export interface RewriterFactory {
  sourceLc(): StreamSourceLc;
  lcRewrite(): StreamLcRewrite;
}

/**
 * Stand-in used until the air-interface rewriter is wired: rewrites the DMRD header only
 * (destination bytes 8–10 and the call-type flag). Radios would still see the original LC.
 */
class HeaderOnlySourceLc implements StreamSourceLc {
  readonly talkerAlias = { complete: false, text: "" };
  readonly talkerAliasComplete = false;
  reset(): void {}
  observe(): boolean {
    return false;
  }
}

class HeaderOnlyRewrite implements StreamLcRewrite {
  #destinationId = 0;
  #unit = false;
  prepare(_source: StreamSourceLc, destinationId: number, callType: CallType): void {
    this.#destinationId = destinationId;
    this.#unit = callType === 1;
  }
  apply(_frame: DmrdFrame, target: Uint8Array): void {
    const d = this.#destinationId;
    target[8] = (d >>> 16) & 0xff;
    target[9] = (d >>> 8) & 0xff;
    target[10] = d & 0xff;
    target[15] = this.#unit ? target[15]! | 0x40 : target[15]! & ~0x40;
  }
}

export const HEADER_ONLY_REWRITER: RewriterFactory = {
  sourceLc: () => new HeaderOnlySourceLc(),
  lcRewrite: () => new HeaderOnlyRewrite(),
};
