/**
 * One copy of texts that many records repeat: bounded, so a flood of made-up values cannot grow it
 * (once `max` distinct texts are kept, new ones come back as they are, unpooled). Used for the RPTC
 * texts the HBP master keeps per session (core/hbp_master/text_intern.ts) and for the texts of the
 * services Worker's hotspot records, which reach it as fresh structured clones (software and
 * package ids, slots, access rule names: ~40–60 bytes each per hotspot without a pool).
 * @module
 */
export class TextPool {
  readonly #texts = new Map<string, string>();

  constructor(readonly max = 1024) {}

  /** The pooled copy of `text`; pooled now (as `copy(text)`, e.g. a flat copy of a slice) if there is room. */
  intern(text: string, copy?: (text: string) => string): string {
    const pooled = this.#texts.get(text);
    if (pooled !== undefined) return pooled;
    if (this.#texts.size >= this.max) return text;
    const kept = copy === undefined ? text : copy(text);
    this.#texts.set(kept, kept);
    return kept;
  }

  get size(): number {
    return this.#texts.size;
  }
}
