/**
 * AMBE+2 silence for generated streams (hbp-and-dmr.md §5.2: MMDVMHost DMRDefines.h
 * DMR_SILENCE_DATA; the same frames fill the voice bursts of dmr-vectors.json voiceCalls).
 * A voice burst carries three 72-bit AMBE frames = 216 bits: burst bits 0–107 and 156–263.
 * @module
 */

/** one 72-bit AMBE+2 silence frame (DMRDefines.h DMR_SILENCE_DATA) */
export const AMBE_SILENCE_FRAME: Readonly<Uint8Array> = Uint8Array.of(0xb9, 0xe8, 0x81, 0x52, 0x61, 0x73, 0x00, 0x2a, 0x6b);
/** bytes of the three AMBE frames of one voice burst */
export const AMBE_BURST_BYTES = 27;

/** three silence frames back to back: the AMBE content of one silent voice burst */
export const AMBE_SILENCE_BURST: Readonly<Uint8Array> = (() => {
  const bytes = new Uint8Array(AMBE_BURST_BYTES);
  for (let i = 0; i < 3; i++) bytes.set(AMBE_SILENCE_FRAME, 9 * i);
  return bytes;
})();

/**
 * Write 216 AMBE bits (27 bytes at ambe[ambeOffset..]) into a voice burst at burst[offset..]:
 * AMBE bits 0–107 → burst bits 0–107, AMBE bits 108–215 → burst bits 156–263 (hbp-and-dmr.md §2.1).
 * Burst bits 108–155 (sync or EMB + embedded signalling) are kept.
 */
export function writeAmbe(ambe: Uint8Array, ambeOffset: number, burst: Uint8Array, offset: number): void {
  for (let i = 0; i < 13; i++) burst[offset + i] = ambe[ambeOffset + i]!;
  // burst byte 13: AMBE bits 104–107 in the high nibble, sync/EMB bits 108–111 in the low nibble
  burst[offset + 13] = (ambe[ambeOffset + 13]! & 0xf0) | (burst[offset + 13]! & 0x0f);
  // burst byte 19: sync/EMB bits 152–155 high nibble, AMBE bits 108–111 low nibble
  burst[offset + 19] = (burst[offset + 19]! & 0xf0) | (ambe[ambeOffset + 13]! & 0x0f);
  for (let i = 0; i < 13; i++) burst[offset + 20 + i] = ambe[ambeOffset + 14 + i]!;
}

/** Read the 216 AMBE bits of a voice burst into 27 bytes (inverse of writeAmbe). */
export function readAmbe(burst: Uint8Array, offset: number, ambe: Uint8Array, ambeOffset: number): void {
  for (let i = 0; i < 13; i++) ambe[ambeOffset + i] = burst[offset + i]!;
  ambe[ambeOffset + 13] = (burst[offset + 13]! & 0xf0) | (burst[offset + 19]! & 0x0f);
  for (let i = 0; i < 13; i++) ambe[ambeOffset + 14 + i] = burst[offset + 20 + i]!;
}
