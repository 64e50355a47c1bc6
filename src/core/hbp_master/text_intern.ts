/**
 * Shared copies of the RPTC texts many hotspots repeat (software and package ids, URLs, the
 * description and slots of a stock image): one string per distinct value instead of one per
 * session. Bounded: past MAX_INTERNED distinct values a text is kept as given. Login path only.
 * @module
 */
import { TextPool } from "../../lib/text_pool.ts";
import type { RptcConfig } from "../../wire/rptc.ts";

/** Distinct texts kept (a few hundred software/package ids exist in the wild). */
const MAX_INTERNED = 4096;

/** A flat copy: a trimmed field text is a slice that keeps the padded text it was cut from alive. */
export function flatText(value: string): string {
  return value === "" ? "" : (" " + value).slice(1);
}

export class TextIntern {
  readonly #texts = new TextPool(MAX_INTERNED);

  text(value: string): string {
    return value === "" ? "" : this.#texts.intern(value, flatText);
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
