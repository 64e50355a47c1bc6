/**
 * GPS info LC, FLCO 8 (ETSI TS 102 361-2 §7.1.1.3 / §7.2.16–7.2.17; hbp-and-dmr.md §3.2): 7 data
 * bytes (LC bytes 2–8) = reserved(4) ‖ position error(3) ‖ longitude(25, two's complement,
 * ×360/2²⁵ degrees) ‖ latitude(24, two's complement, ×180/2²⁴ degrees).
 * @module
 */

import { lcFlco } from "./full_lc.ts";

/** FLCO of the GPS info LC (ETSI TS 102 361-2 Table 7.1) */
export const FLCO_GPS_INFO = 8;
/** 2²⁵ longitude steps per 360° and 2²⁴ latitude steps per 180° (ETSI TS 102 361-2 §7.2.16–17) */
const LONGITUDE_STEPS = 0x2000000;
const LATITUDE_STEPS = 0x1000000;

export class GpsPosition {
  latitude = 0;
  longitude = 0;
  /** position error code 0–7 (ETSI TS 102 361-2 Table 7.30: 0 < 2 m … 6 < 200 km, 7 not known) */
  positionError = 7;
}

/** Decode a GPS info LC at lc[offset..] into `out`; false when it is not one or out of range. */
export function decodeGpsLc(lc: Uint8Array, offset: number, out: GpsPosition): boolean {
  if (lcFlco(lc, offset) !== FLCO_GPS_INFO) return false;
  return decodeGpsData(lc, offset + 2, out);
}

/** Decode the 7 GPS data bytes (LC bytes 2–8, or the DMRG payload) at data[offset..] into `out`. */
export function decodeGpsData(data: Uint8Array, offset: number, out: GpsPosition): boolean {
  const b0 = data[offset]!;
  const positionError = (b0 >>> 1) & 0x07;
  // longitude: bit 0 of data byte 0, then data bytes 1–3 (25 bits)
  let longitudeRaw = ((b0 & 0x01) << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!;
  if (longitudeRaw & 0x1000000) longitudeRaw -= 0x2000000;
  let latitudeRaw = (data[offset + 4]! << 16) | (data[offset + 5]! << 8) | data[offset + 6]!;
  if (latitudeRaw & 0x800000) latitudeRaw -= 0x1000000;
  const longitude = (longitudeRaw * 360) / LONGITUDE_STEPS;
  const latitude = (latitudeRaw * 180) / LATITUDE_STEPS;
  if (latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180) return false;
  out.latitude = latitude;
  out.longitude = longitude;
  out.positionError = positionError;
  return true;
}

/** Write a GPS info LC (FID 0) for the given position into lc[offset..offset+9]. */
export function encodeGpsLc(lc: Uint8Array, offset: number, latitude: number, longitude: number, positionError = 7): void {
  const longitudeRaw = Math.round((longitude * LONGITUDE_STEPS) / 360) & 0x1ffffff;
  const latitudeRaw = Math.round((latitude * LATITUDE_STEPS) / 180) & 0xffffff;
  lc[offset] = FLCO_GPS_INFO;
  lc[offset + 1] = 0;
  lc[offset + 2] = ((positionError & 0x07) << 1) | (longitudeRaw >>> 24);
  lc[offset + 3] = (longitudeRaw >>> 16) & 0xff;
  lc[offset + 4] = (longitudeRaw >>> 8) & 0xff;
  lc[offset + 5] = longitudeRaw & 0xff;
  lc[offset + 6] = (latitudeRaw >>> 16) & 0xff;
  lc[offset + 7] = (latitudeRaw >>> 8) & 0xff;
  lc[offset + 8] = latitudeRaw & 0xff;
}
