/**
 * RPTC: the 302-byte repeater configuration a client sends after authenticating
 * (hbp-and-dmr.md §1.3). Parsed leniently: every field is read from its fixed offset, trimmed,
 * and numbers are parsed tolerantly (a garbled number becomes 0, never an error), because real
 * producers disagree on formats (`51.50000` vs `+51.5000`, `-05` heights, …). Runs once per
 * login, so it may allocate strings. Never throws.
 *
 *   0 'RPTC'  4 id[4]  8 callsign[8]  16 rx Hz[9]  25 tx Hz[9]  34 power[2]  36 colour code[2]
 *   38 latitude[8]  46 longitude[9]  55 height[3]  58 location[20]  78 description[19]
 *   97 slots[1]  98 URL[124]  222 software id[40]  262 package id[40]
 * @module
 */
import { readUint32 } from "./dmrd.ts";
import { RPTC_LENGTH } from "./hbp.ts";

export interface RptcConfig {
  repeaterId: number;
  callsign: string;
  rxFrequencyHz: number;
  txFrequencyHz: number;
  power: number;
  colourCode: number;
  latitude: number;
  longitude: number;
  heightM: number;
  location: string;
  description: string;
  /** The raw slots character: '1', '2', '3' (duplex), '4' (simplex/DMO), '0' none; '' if missing. */
  slots: string;
  url: string;
  softwareId: string;
  packageId: string;
  /** Simplex hotspot: slots '4', or RX = TX (§1.3 convention). */
  simplex: boolean;
}

/** Simplex hotspot: slots '4', or RX = TX (§1.3 convention). */
export function rptcSimplex(slots: string, rxFrequencyHz: number, txFrequencyHz: number): boolean {
  return slots === "4" || (rxFrequencyHz !== 0 && rxFrequencyHz === txFrequencyHz);
}

export type RptcParse = { ok: true; config: RptcConfig } | { ok: false; error: string };

/** Printable Latin-1 text of bytes[start, start+length), NUL/control bytes treated as padding, trimmed. */
const latin1 = new TextDecoder("latin1");
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;

export function fieldText(bytes: Uint8Array, start: number, length: number): string {
  const end = Math.min(bytes.length, start + length);
  if (end <= start) return "";
  // One decode per field (not a string per character): this runs for every login in a burst.
  const text = latin1.decode(bytes.subarray(start, end));
  return (HAS_CONTROL.test(text) ? text.replace(CONTROL, " ") : text).trim();
}

// Module constants: a regular expression literal makes a new RegExp object each time it is
// evaluated, and lenientNumber runs seven times a login (heapStats over a burst of logins: 7 RegExp
// objects per login before this).
const SPACES = /\s+/g;
const LEADING_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)/;

function lenientNumber(text: string): number {
  const match = LEADING_NUMBER.exec(text.replace(SPACES, ""));
  if (match === null) return 0;
  const n = Number(match[0]);
  return Number.isFinite(n) ? n : 0;
}

function lenientInt(text: string): number {
  return Math.trunc(lenientNumber(text)) || 0; // "-0" and "-.5" are 0, not −0
}

export function parseRptc(bytes: Uint8Array): RptcParse {
  if (bytes.length !== RPTC_LENGTH) return { ok: false, error: `RPTC must be ${RPTC_LENGTH} bytes, got ${bytes.length}` };
  if (bytes[0] !== 0x52 || bytes[1] !== 0x50 || bytes[2] !== 0x54 || bytes[3] !== 0x43) {
    return { ok: false, error: "not an RPTC" };
  }
  const rxFrequencyHz = lenientInt(fieldText(bytes, 16, 9));
  const txFrequencyHz = lenientInt(fieldText(bytes, 25, 9));
  const slots = fieldText(bytes, 97, 1);
  const config: RptcConfig = {
    repeaterId: readUint32(bytes, 4),
    callsign: fieldText(bytes, 8, 8).toUpperCase(),
    rxFrequencyHz,
    txFrequencyHz,
    power: lenientInt(fieldText(bytes, 34, 2)),
    colourCode: lenientInt(fieldText(bytes, 36, 2)),
    latitude: lenientNumber(fieldText(bytes, 38, 8)),
    longitude: lenientNumber(fieldText(bytes, 46, 9)),
    heightM: lenientInt(fieldText(bytes, 55, 3)),
    location: fieldText(bytes, 58, 20),
    description: fieldText(bytes, 78, 19),
    slots,
    url: fieldText(bytes, 98, 124),
    softwareId: fieldText(bytes, 222, 40),
    packageId: fieldText(bytes, 262, 40),
    simplex: rptcSimplex(slots, rxFrequencyHz, txFrequencyHz),
  };
  return { ok: true, config };
}

/** Fields for building an RPTC (tests, the simulated hotspot, an upstream client link). */
export interface RptcFields {
  repeaterId: number;
  callsign: string;
  rxFrequencyHz?: number;
  txFrequencyHz?: number;
  power?: number;
  colourCode?: number;
  latitude?: number;
  longitude?: number;
  heightM?: number;
  location?: string;
  description?: string;
  slots?: string;
  url?: string;
  softwareId?: string;
  packageId?: string;
}

function padRight(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
}

function zeroPad(value: number, width: number): string {
  const text = String(Math.max(0, Math.trunc(value)));
  return text.length >= width ? text.slice(-width) : "0".repeat(width - text.length) + text;
}

/**
 * Encode an RPTC the way MMDVMHost/DMRGateway do (§1.3 sprintf layout). Allocates; not for the
 * packet path.
 */
export function encodeRptc(fields: RptcFields): Uint8Array {
  const lat = (fields.latitude ?? 0).toFixed(4);
  const lon = (fields.longitude ?? 0).toFixed(4);
  const height = Math.max(0, Math.min(999, Math.trunc(fields.heightM ?? 0)));
  const text =
    padRight(fields.callsign, 8) +
    zeroPad(fields.rxFrequencyHz ?? 438_800_000, 9) +
    zeroPad(fields.txFrequencyHz ?? 438_800_000, 9) +
    zeroPad(Math.min(99, fields.power ?? 1), 2) +
    zeroPad(Math.min(99, fields.colourCode ?? 1), 2) +
    padRight(lat, 8) +
    padRight(lon, 9) +
    zeroPad(height, 3) +
    padRight(fields.location ?? "", 20) +
    padRight(fields.description ?? "", 19) +
    padRight(fields.slots ?? "4", 1) +
    padRight(fields.url ?? "", 124) +
    padRight(fields.softwareId ?? "20260713", 40) +
    padRight(fields.packageId ?? "MMDVM_MMDVM_HS_Hat", 40);
  const out = new Uint8Array(RPTC_LENGTH);
  out.set([0x52, 0x50, 0x54, 0x43], 0);
  out[4] = (fields.repeaterId >>> 24) & 0xff;
  out[5] = (fields.repeaterId >>> 16) & 0xff;
  out[6] = (fields.repeaterId >>> 8) & 0xff;
  out[7] = fields.repeaterId & 0xff;
  for (let i = 0; i < text.length && 8 + i < RPTC_LENGTH; i++) out[8 + i] = text.charCodeAt(i) & 0xff;
  return out;
}
