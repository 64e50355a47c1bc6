/**
 * Shared copies of the RPTC texts many hotspots repeat (software and package ids, URLs, the
 * description and slots of a stock image): one string per distinct value instead of one per
 * session. Bounded: past MAX_INTERNED distinct values a text is kept as given. Login path only.
 * @module
 */
import type { RptcConfig } from "../../wire/rptc.ts";

/** Distinct texts kept (a few hundred software/package ids exist in the wild). */
const MAX_INTERNED = 4096;

/** A flat copy: a trimmed field text is a slice that keeps the padded text it was cut from alive. */
export function flatText(value: string): string {
  return value === "" ? "" : (" " + value).slice(1);
}

export class TextIntern {
  readonly #texts = new Map<string, string>();

  text(value: string): string {
    if (value === "") return "";
    const known = this.#texts.get(value);
    if (known !== undefined) return known;
    if (this.#texts.size >= MAX_INTERNED) return value;
    const flat = flatText(value);
    this.#texts.set(flat, flat);
    return flat;
  }

  /** The config with its commonly repeated texts replaced by shared copies (in place). */
  config(config: RptcConfig): RptcConfig {
    config.location = this.text(config.location);
    config.description = this.text(config.description);
    config.slots = this.text(config.slots);
    config.url = this.text(config.url);
    config.softwareId = this.text(config.softwareId);
    config.packageId = this.text(config.packageId);
    return config;
  }
}
