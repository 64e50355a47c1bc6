/**
 * What the HBP master keeps about every connected session besides the session object itself: the
 * master's counters (every session counts into them) and, as columns indexed by the session's port
 * index, when it connected, the frames it received and was sent (so a session that only listens
 * never needs egress buffers of its own: its frames go out of the outbox's staged rows, outbox.ts)
 * its RPTC configuration but the callsign (the session keeps that: it names the session in
 * events after its row is gone) and the name of the access rule that admitted it.
 *
 * Why columns (issue 14: memory per connected hotspot): five fields per session become one
 * reference shared by all of them (session.ts: a session under 13 fields is 48 bytes smaller; the
 * access rule's moved here with the session's last step to 8 fields, 80 bytes), and the RPTC
 * record — a 112-byte object per hotspot, its small numbers each in an 8-byte field — becomes 32
 * bytes of typed storage and five text references in a row. A row is 48 bytes of typed storage and
 * 48 of references. Rows live in pages of PAGE_ROWS made at login as port indexes reach
 * them (no doubling: at most one page of spare rows). A row is reset when a session takes its port
 * index, so a reused index starts from zero; its texts are let go when it gives the index back.
 * Nothing is allocated per frame; `rptc` makes a plain record when asked (logins, API, roster,
 * cluster records — never per frame).
 * @module
 */
import { rptcSimplex, type RptcConfig } from "../../wire/rptc.ts";
import { clampInt } from "../../lib/clamp_int.ts";
import type { HbpCounters } from "./counters.ts";

/** Rows per page. */
const PAGE_ROWS = 256;
const PAGE_SHIFT = 8;
const ROW_MASK = PAGE_ROWS - 1;
/** Texts per row: the RPTC texts (hbp-and-dmr.md §1.3: location, description, URL, software id, package id) and the access rule's name ("" = none). */
const TEXTS = 6;
const T_LOCATION = 0;
const T_DESCRIPTION = 1;
const T_URL = 2;
const T_SOFTWARE = 3;
const T_PACKAGE = 4;
const T_ACCESS_RULE = 5;

/** A blank row (a port index just taken, before RPTC is written). */
const BLANK_RPTC: RptcConfig = Object.freeze({ repeaterId: 0, callsign: "", rxFrequencyHz: 0, txFrequencyHz: 0, power: 0, colourCode: 0, latitude: 0, longitude: 0, heightM: 0, location: "", description: "", slots: "", url: "", softwareId: "", packageId: "", simplex: false });

/**
 * PAGE_ROWS rows over one buffer: connect time (ms), latitude and longitude (float64); frames in and
 * out (uint32: 8 years of one frame per 60 ms), RX and TX frequency (int32: the 9-digit RPTC fields,
 * hbp-and-dmr.md §1.3, fit); height (int16: 3 digits); power and colour code (int8: 2 digits); the
 * slots character (0 = none). The RPTC texts in one array beside it, TEXTS per row.
 */
class SessionPage {
  readonly #buffer = new ArrayBuffer(PAGE_ROWS * 48);
  readonly connectedAtMs = new Float64Array(this.#buffer, 0, PAGE_ROWS);
  readonly latitude = new Float64Array(this.#buffer, PAGE_ROWS * 8, PAGE_ROWS);
  readonly longitude = new Float64Array(this.#buffer, PAGE_ROWS * 16, PAGE_ROWS);
  readonly framesIn = new Uint32Array(this.#buffer, PAGE_ROWS * 24, PAGE_ROWS);
  readonly framesOut = new Uint32Array(this.#buffer, PAGE_ROWS * 28, PAGE_ROWS);
  readonly rxFrequencyHz = new Int32Array(this.#buffer, PAGE_ROWS * 32, PAGE_ROWS);
  readonly txFrequencyHz = new Int32Array(this.#buffer, PAGE_ROWS * 36, PAGE_ROWS);
  readonly heightM = new Int16Array(this.#buffer, PAGE_ROWS * 40, PAGE_ROWS);
  readonly power = new Int8Array(this.#buffer, PAGE_ROWS * 42, PAGE_ROWS);
  readonly colourCode = new Int8Array(this.#buffer, PAGE_ROWS * 43, PAGE_ROWS);
  readonly slots = new Uint8Array(this.#buffer, PAGE_ROWS * 44, PAGE_ROWS);
  readonly texts: string[] = new Array<string>(PAGE_ROWS * TEXTS).fill("");
}

export class SessionColumns {
  readonly #pages: SessionPage[] = [];

  constructor(readonly counters: HbpCounters) {}

  /** A session took `portIndex`: its row, zeroed (its page made if need be). */
  open(portIndex: number): void {
    const pageIndex = portIndex >> PAGE_SHIFT;
    while (this.#pages.length <= pageIndex) this.#pages.push(new SessionPage());
    const page = this.#pages[pageIndex]!;
    const row = portIndex & ROW_MASK;
    page.connectedAtMs[row] = 0;
    page.framesIn[row] = 0;
    page.framesOut[row] = 0;
    this.#writeRptc(page, row, BLANK_RPTC);
    page.texts[row * TEXTS + T_ACCESS_RULE] = "";
  }

  /** The session gives `portIndex` back: its texts are let go (the numbers stay until the next open). */
  close(portIndex: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.texts.fill("", (portIndex & ROW_MASK) * TEXTS, ((portIndex & ROW_MASK) + 1) * TEXTS);
  }

  /** The page of `portIndex`, or undefined (−1, or never opened). */
  #page(portIndex: number): SessionPage | undefined {
    return portIndex >= 0 ? this.#pages[portIndex >> PAGE_SHIFT] : undefined;
  }

  /** 0 for no row. */
  connectedAtMs(portIndex: number): number {
    return this.#page(portIndex)?.connectedAtMs[portIndex & ROW_MASK] ?? 0;
  }

  setConnectedAtMs(portIndex: number, ms: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.connectedAtMs[portIndex & ROW_MASK] = ms;
  }

  framesIn(portIndex: number): number {
    return this.#page(portIndex)?.framesIn[portIndex & ROW_MASK] ?? 0;
  }

  countIn(portIndex: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.framesIn[portIndex & ROW_MASK]!++;
  }

  framesOut(portIndex: number): number {
    return this.#page(portIndex)?.framesOut[portIndex & ROW_MASK] ?? 0;
  }

  countOut(portIndex: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.framesOut[portIndex & ROW_MASK]!++;
  }

  /** The access rule kept in the row of `portIndex` (null: none, or no row). */
  accessRule(portIndex: number): string | null {
    const page = this.#page(portIndex);
    if (page === undefined) return null;
    const name = page.texts[(portIndex & ROW_MASK) * TEXTS + T_ACCESS_RULE]!;
    return name === "" ? null : name;
  }

  setAccessRule(portIndex: number, name: string | null): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.texts[(portIndex & ROW_MASK) * TEXTS + T_ACCESS_RULE] = name ?? "";
  }

  /** Keep the RPTC configuration (but its id and callsign) in the row of `portIndex` (opened). */
  setRptc(portIndex: number, config: RptcConfig): void {
    const page = this.#page(portIndex);
    if (page !== undefined) this.#writeRptc(page, portIndex & ROW_MASK, config);
  }

  /** The RPTC configuration in the row of `portIndex`, as a plain record with the id and callsign given; null for no row. */
  rptc(portIndex: number, repeaterId: number, callsign: string): RptcConfig | null {
    const page = this.#page(portIndex);
    if (page === undefined) return null;
    const row = portIndex & ROW_MASK;
    const t = row * TEXTS;
    const code = page.slots[row]!;
    const slots = code === 0 ? "" : String.fromCharCode(code);
    const rxFrequencyHz = page.rxFrequencyHz[row]!;
    const txFrequencyHz = page.txFrequencyHz[row]!;
    return {
      repeaterId,
      callsign,
      rxFrequencyHz,
      txFrequencyHz,
      power: page.power[row]!,
      colourCode: page.colourCode[row]!,
      latitude: page.latitude[row]!,
      longitude: page.longitude[row]!,
      heightM: page.heightM[row]!,
      location: page.texts[t + T_LOCATION]!,
      description: page.texts[t + T_DESCRIPTION]!,
      slots,
      url: page.texts[t + T_URL]!,
      softwareId: page.texts[t + T_SOFTWARE]!,
      packageId: page.texts[t + T_PACKAGE]!,
      simplex: rptcSimplex(slots, rxFrequencyHz, txFrequencyHz),
    };
  }

  /** Write a row's RPTC columns; values beyond a column's range are clamped (the fixed-width fields never are). */
  #writeRptc(page: SessionPage, row: number, config: RptcConfig): void {
    page.rxFrequencyHz[row] = clampInt(config.rxFrequencyHz, -(2 ** 31), 2 ** 31 - 1);
    page.txFrequencyHz[row] = clampInt(config.txFrequencyHz, -(2 ** 31), 2 ** 31 - 1);
    page.power[row] = clampInt(config.power, -128, 127);
    page.colourCode[row] = clampInt(config.colourCode, -128, 127);
    page.heightM[row] = clampInt(config.heightM, -32_768, 32_767);
    page.slots[row] = config.slots === "" ? 0 : config.slots.charCodeAt(0) & 0xff;
    page.latitude[row] = config.latitude;
    page.longitude[row] = config.longitude;
    const t = row * TEXTS;
    page.texts[t + T_LOCATION] = config.location;
    page.texts[t + T_DESCRIPTION] = config.description;
    page.texts[t + T_URL] = config.url;
    page.texts[t + T_SOFTWARE] = config.softwareId;
    page.texts[t + T_PACKAGE] = config.packageId;
  }
}
