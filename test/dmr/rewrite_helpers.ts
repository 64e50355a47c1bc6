/** Shared helpers of the rewrite tests: run a stream through SourceLc + LcRewrite like the router. */
import { expect } from "bun:test";
import { toHex } from "../../src/lib/hex.ts";
import { CallType, DmrdFrame, DmrdStatus, copyDmrdTo55, decodeDmrd } from "../../src/wire/dmrd.ts";
import { LcRewrite, SourceLc } from "../../src/dmr/stream_rewriter.ts";

/** Rewrite a list of datagrams as the router would; returns the egress copies. */
export function rewriteStream(datagrams: Uint8Array[], destinationId: number, callType: CallType): Uint8Array[] {
  const frame = new DmrdFrame();
  const source = new SourceLc();
  const rewrite = new LcRewrite();
  const out: Uint8Array[] = [];
  let first = true;
  for (const datagram of datagrams) {
    expect(decodeDmrd(datagram, frame)).toBe(DmrdStatus.Ok);
    if (first) {
      source.reset(frame);
      rewrite.prepare(source, destinationId, callType);
      first = false;
    }
    source.observe(frame);
    const target = new Uint8Array(55);
    copyDmrdTo55(datagram, target);
    rewrite.apply(frame, target);
    out.push(target);
  }
  return out;
}

/** AMBE bits of a voice burst: burst bits 0–107 and 156–263 (hbp-and-dmr.md §2.1). */
export function ambeBits(datagram: Uint8Array): string {
  const b = datagram.subarray(20, 53);
  return toHex(b, 0, 13) + (b[13]! >>> 4).toString(16) + (b[19]! & 0x0f).toString(16) + toHex(b, 20, 33);
}


/** Invert burst bit `bit` (0 = MSB of byte 0) of the burst at bytes[offset..]. */
export function flipBurstBit(bytes: Uint8Array, offset: number, bit: number): void {
  const index = offset + (bit >>> 3);
  bytes[index] = bytes[index]! ^ (0x80 >>> (bit & 7));
}
