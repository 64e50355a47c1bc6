/**
 * One copy of texts that many hotspots repeat (RPTC software and package ids, slots, access rule
 * names): every event reaches the services Worker as a fresh structured clone, so without a pool
 * each hotspot's record would hold its own copy of "20260713" or "MMDVM_MMDVM_HS_Hat" (~40–60
 * bytes each). Bounded: once `max` distinct texts are kept, new ones are not pooled (returned as
 * they are) — a flood of made-up ids cannot grow it.
 * @module
 */
export class TextPool {
  readonly #texts = new Map<string, string>();

  constructor(readonly max = 1024) {}

  /** The pooled copy of `text` (pooled now if there is room). */
  intern(text: string): string {
    const pooled = this.#texts.get(text);
    if (pooled !== undefined) return pooled;
    if (this.#texts.size < this.max) this.#texts.set(text, text);
    return text;
  }

  get size(): number {
    return this.#texts.size;
  }
}
