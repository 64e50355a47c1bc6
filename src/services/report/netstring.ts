/**
 * Netstrings (`<decimal length>:<payload>,`, D. J. Bernstein), the framing of FreeDMR's report
 * socket (Twisted NetstringReceiver; freedmr-reference.md §3). Encoding allocates one buffer per
 * message; decoding is incremental over TCP chunks, bounded by `maxLength`, and a malformed
 * stream is a value (the caller closes the connection), never an exception.
 * @module
 */

export function encodeNetstring(payload: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${payload.length}:`);
  const out = new Uint8Array(header.length + payload.length + 1);
  out.set(header, 0);
  out.set(payload, header.length);
  out[out.length - 1] = 0x2c; // ','
  return out;
}

export type NetstringFeed = { readonly ok: true; readonly messages: Uint8Array[] } | { readonly ok: false; readonly error: string };

/** Longest length prefix accepted ("999999999:" is 10 characters). */
const MAX_DIGITS = 9;

export class NetstringDecoder {
  #buffer = new Uint8Array(0);

  constructor(private readonly maxLength: number) {}

  feed(chunk: Uint8Array): NetstringFeed {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer, 0);
    joined.set(chunk, this.#buffer.length);
    const messages: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      let colon = -1;
      for (let i = offset; i < joined.length && i <= offset + MAX_DIGITS; i++) {
        const c = joined[i]!;
        if (c === 0x3a) {
          colon = i;
          break;
        }
        if (c < 0x30 || c > 0x39) return { ok: false, error: `netstring length expected, found byte 0x${c.toString(16)}` };
      }
      if (colon < 0) {
        if (joined.length - offset > MAX_DIGITS) return { ok: false, error: "netstring length too long" };
        break;
      }
      if (colon === offset) return { ok: false, error: "netstring without a length" };
      const length = Number(new TextDecoder().decode(joined.subarray(offset, colon)));
      if (length > this.maxLength) return { ok: false, error: `netstring of ${length} bytes is over the limit of ${this.maxLength}` };
      const end = colon + 1 + length;
      if (joined.length < end + 1) break;
      if (joined[end] !== 0x2c) return { ok: false, error: "netstring not terminated by ','" };
      messages.push(joined.slice(colon + 1, end));
      offset = end + 1;
    }
    this.#buffer = joined.slice(offset);
    return { ok: true, messages };
  }
}
