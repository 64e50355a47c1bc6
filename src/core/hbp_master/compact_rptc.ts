/**
 * A connected hotspot's RPTC configuration (src/wire/rptc.ts), kept compact: the small numbers
 * (power, colour code, height, the slots character) share one number, the callsign is a number when
 * it can be (callsign_code.ts: a callsign is the one text no two hotspots share) and `simplex` is
 * worked out when asked, so the record has 12 fields (JSC's 112-byte size class; the parsed RptcConfig with
 * its 16 fields takes 160) — one per logged-in hotspot. Texts are shared copies (text_intern.ts).
 * Read through the RptcConfig interface; written once per login (CompactRptcBatch hands out
 * blank records made 256 at a time, so they sit side by side in the heap rather than one among
 * each login's short-lived objects: fewer mostly-empty heap blocks kept alive after a login burst).
 * @module
 */
import { rptcSimplex, type RptcConfig } from "../../wire/rptc.ts";
import { callsignText, encodeCallsign, type CallsignCode } from "./callsign_code.ts";

// Ranges of the fixed-width RPTC fields once parsed (hbp-and-dmr.md §1.3): power[2] and colour
// code[2] are −9…99, height[3] is −99…999, slots is one Latin-1 character or none.
const SMALL_OFFSET = 100;
const SMALL_RANGE = 256;
const HEIGHT_OFFSET = 1_000;
const HEIGHT_RANGE = 2_048;
const SLOT_RANGE = 256;

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : Math.trunc(value);
}

/** Blank records made at once. */
const BATCH = 256;

/** Hands out CompactRptc records, each written once, made BATCH at a time. */
export class CompactRptcBatch {
  readonly #blanks: CompactRptc[] = [];

  take(config: RptcConfig): CompactRptc {
    if (this.#blanks.length === 0) for (let i = 0; i < BATCH; i++) this.#blanks.push(new CompactRptc());
    const record = this.#blanks.pop()!;
    record.assign(config);
    return record;
  }
}

export class CompactRptc implements RptcConfig {
  repeaterId = 0;
  /** the callsign, coded as a number when it can be (callsign_code.ts) */
  #callsign: CallsignCode = 0;
  rxFrequencyHz = 0;
  txFrequencyHz = 0;
  /** ((power + 100) · 256 + colourCode + 100) · 256 + slots char code (0 = none), · 2048 + heightM + 1000 */
  #packed = 0;
  latitude = 0;
  longitude = 0;
  location = "";
  description = "";
  url = "";
  softwareId = "";
  packageId = "";

  /** A record of `config`, or a blank one for CompactRptcBatch to write once. */
  constructor(config?: RptcConfig) {
    if (config !== undefined) this.assign(config);
  }

  /** Write the record (once, at login). */
  assign(config: RptcConfig): void {
    this.repeaterId = config.repeaterId;
    this.#callsign = encodeCallsign(config.callsign);
    this.rxFrequencyHz = config.rxFrequencyHz;
    this.txFrequencyHz = config.txFrequencyHz;
    const slot = config.slots === "" ? 0 : config.slots.charCodeAt(0) & 0xff;
    const small = (clamp(config.power, -SMALL_OFFSET, SMALL_RANGE - SMALL_OFFSET - 1) + SMALL_OFFSET) * SMALL_RANGE + clamp(config.colourCode, -SMALL_OFFSET, SMALL_RANGE - SMALL_OFFSET - 1) + SMALL_OFFSET;
    this.#packed = (small * SLOT_RANGE + slot) * HEIGHT_RANGE + clamp(config.heightM, -HEIGHT_OFFSET, HEIGHT_RANGE - HEIGHT_OFFSET - 1) + HEIGHT_OFFSET;
    this.latitude = config.latitude;
    this.longitude = config.longitude;
    this.location = config.location;
    this.description = config.description;
    this.url = config.url;
    this.softwareId = config.softwareId;
    this.packageId = config.packageId;
  }

  get callsign(): string {
    return callsignText(this.#callsign);
  }
  get heightM(): number {
    return (this.#packed % HEIGHT_RANGE) - HEIGHT_OFFSET;
  }
  get slots(): string {
    const code = Math.floor(this.#packed / HEIGHT_RANGE) % SLOT_RANGE;
    return code === 0 ? "" : String.fromCharCode(code);
  }
  get colourCode(): number {
    return (Math.floor(this.#packed / (HEIGHT_RANGE * SLOT_RANGE)) % SMALL_RANGE) - SMALL_OFFSET;
  }
  get power(): number {
    return Math.floor(this.#packed / (HEIGHT_RANGE * SLOT_RANGE * SMALL_RANGE)) - SMALL_OFFSET;
  }
  /** Simplex hotspot: slots '4', or RX = TX (§1.3 convention, as parseRptc decides it). */
  get simplex(): boolean {
    return rptcSimplex(this.slots, this.rxFrequencyHz, this.txFrequencyHz);
  }

  /** A plain copy (tests, serialisation). */
  toJSON(): RptcConfig {
    return {
      repeaterId: this.repeaterId,
      callsign: this.callsign,
      rxFrequencyHz: this.rxFrequencyHz,
      txFrequencyHz: this.txFrequencyHz,
      power: this.power,
      colourCode: this.colourCode,
      latitude: this.latitude,
      longitude: this.longitude,
      heightM: this.heightM,
      location: this.location,
      description: this.description,
      slots: this.slots,
      url: this.url,
      softwareId: this.softwareId,
      packageId: this.packageId,
      simplex: this.simplex,
    };
  }
}
