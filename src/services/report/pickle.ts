/**
 * A writer for Python pickle protocol 2 — only what the FreeDMR report protocol needs
 * (freedmr-reference.md §3): dicts, lists, tuples, str, bytes, int, float, bool and None. FDMR-
 * Monitor and HBmonitor `pickle.loads` what FreeDMR sends, so freedmr must send the same.
 *
 * Opcodes (CPython Lib/pickletools.py, protocol 2): PROTO 0x80 2; EMPTY_DICT '}', EMPTY_LIST ']',
 * MARK '(', SETITEMS 'u', APPENDS 'e', EMPTY_TUPLE ')', TUPLE1..3 0x85..0x87, TUPLE 't';
 * BINUNICODE 'X' (u32 LE length + UTF-8); BININT1 'K' (u8), BININT2 'M' (u16 LE), BININT 'J'
 * (i32 LE), LONG1 0x8a (n + two's complement LE); BINFLOAT 'G' (f64 BE); NEWTRUE 0x88,
 * NEWFALSE 0x89, NONE 'N'; STOP '.'. Protocol 2 has no bytes opcode: Python 3 pickles bytes as
 * `_codecs.encode(<latin-1 str>, 'latin1')` (GLOBAL 'c' + REDUCE 'R'), and b'' as
 * `__builtin__.bytes()`, so that is what is written here. No memo is written (loads needs none).
 * Items per MARK are batched by 1000, as CPython does.
 * @module
 */

export type PickleValue = string | number | bigint | boolean | null | Uint8Array | PickleValue[] | PickleTuple | PickleDict;

/** A tuple (Python `tuple`), distinct from a list. */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A dict with keys of any picklable type (FreeDMR keys peers by 4-byte `bytes`). */
export class PickleDict {
  readonly entries: [PickleValue, PickleValue][] = [];
  set(key: PickleValue, value: PickleValue): this {
    this.entries.push([key, value]);
    return this;
  }
  static of(record: Record<string, PickleValue>): PickleDict {
    const dict = new PickleDict();
    for (const [k, v] of Object.entries(record)) dict.set(k, v);
    return dict;
  }
}

const BATCH = 1000;
const MAX_DEPTH = 64;

/** A growable output buffer (doubles; a report is built off the packet thread). */
class Output {
  bytes = new Uint8Array(4096);
  length = 0;
  private readonly view = (): DataView => new DataView(this.bytes.buffer);

  ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.length++] = b;
  }
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }
  u16le(v: number): void {
    this.ensure(2);
    this.view().setUint16(this.length, v, true);
    this.length += 2;
  }
  u32le(v: number): void {
    this.ensure(4);
    this.view().setUint32(this.length, v, true);
    this.length += 4;
  }
  i32le(v: number): void {
    this.ensure(4);
    this.view().setInt32(this.length, v, true);
    this.length += 4;
  }
  f64be(v: number): void {
    this.ensure(8);
    this.view().setFloat64(this.length, v, false);
    this.length += 8;
  }
}

const encoder = new TextEncoder();

export function pickleDumps(value: PickleValue): Uint8Array {
  const out = new Output();
  out.byte(0x80); // PROTO
  out.byte(2);
  write(out, value, 0);
  out.byte(0x2e); // STOP '.'
  return out.bytes.slice(0, out.length);
}

function write(out: Output, value: PickleValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error("pickle: nested too deep");
  if (value === null) return out.byte(0x4e); // NONE 'N'
  if (value === true) return out.byte(0x88); // NEWTRUE
  if (value === false) return out.byte(0x89); // NEWFALSE
  if (typeof value === "string") return writeString(out, value);
  if (typeof value === "bigint") return writeLong(out, value);
  if (typeof value === "number") {
    if (Number.isInteger(value) && Number.isSafeInteger(value)) return writeInt(out, value);
    out.byte(0x47); // BINFLOAT 'G'
    return out.f64be(value);
  }
  if (value instanceof Uint8Array) return writeBytes(out, value);
  if (value instanceof PickleTuple) return writeTuple(out, value.items, depth);
  if (value instanceof PickleDict) {
    out.byte(0x7d); // EMPTY_DICT '}'
    const entries = value.entries;
    for (let i = 0; i < entries.length; i += BATCH) {
      const end = Math.min(entries.length, i + BATCH);
      if (end - i > 1) out.byte(0x28); // MARK '('
      for (let j = i; j < end; j++) {
        write(out, entries[j]![0], depth + 1);
        write(out, entries[j]![1], depth + 1);
      }
      out.byte(end - i > 1 ? 0x75 : 0x73); // SETITEMS 'u' / SETITEM 's'
    }
    return;
  }
  if (Array.isArray(value)) {
    out.byte(0x5d); // EMPTY_LIST ']'
    for (let i = 0; i < value.length; i += BATCH) {
      const end = Math.min(value.length, i + BATCH);
      if (end - i > 1) out.byte(0x28); // MARK
      for (let j = i; j < end; j++) write(out, value[j]!, depth + 1);
      out.byte(end - i > 1 ? 0x65 : 0x61); // APPENDS 'e' / APPEND 'a'
    }
    return;
  }
  throw new Error(`pickle: cannot write ${typeof value}`);
}

function writeString(out: Output, text: string): void {
  const utf8 = encoder.encode(text);
  out.byte(0x58); // BINUNICODE 'X'
  out.u32le(utf8.length);
  out.raw(utf8);
}

function writeInt(out: Output, value: number): void {
  if (value >= 0 && value <= 0xff) {
    out.byte(0x4b); // BININT1 'K'
    out.byte(value);
  } else if (value >= 0 && value <= 0xffff) {
    out.byte(0x4d); // BININT2 'M'
    out.u16le(value);
  } else if (value >= -0x80000000 && value <= 0x7fffffff) {
    out.byte(0x4a); // BININT 'J'
    out.i32le(value);
  } else writeLong(out, BigInt(value));
}

/** LONG1: length byte, then the value in little-endian two's complement, as short as possible. */
function writeLong(out: Output, value: bigint): void {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const b = Number(v & 0xffn);
    bytes.push(b);
    v >>= 8n;
    // stop when the remaining value is the sign extension of the last byte
    if ((v === 0n && (b & 0x80) === 0) || (v === -1n && (b & 0x80) !== 0)) break;
  }
  out.byte(0x8a); // LONG1
  out.byte(bytes.length);
  for (const b of bytes) out.byte(b);
}

function writeTuple(out: Output, items: readonly PickleValue[], depth: number): void {
  if (items.length === 0) return out.byte(0x29); // EMPTY_TUPLE ')'
  if (items.length <= 3) {
    for (const item of items) write(out, item, depth + 1);
    return out.byte(0x85 + items.length - 1); // TUPLE1..TUPLE3
  }
  out.byte(0x28); // MARK
  for (const item of items) write(out, item, depth + 1);
  out.byte(0x74); // TUPLE 't'
}

/** bytes as Python 3 writes them at protocol 2: `_codecs.encode('<latin-1>', 'latin1')`. */
function writeBytes(out: Output, data: Uint8Array): void {
  if (data.length === 0) {
    out.raw(encoder.encode("c__builtin__\nbytes\n")); // GLOBAL
    out.byte(0x29); // EMPTY_TUPLE
    out.byte(0x52); // REDUCE 'R'
    return;
  }
  out.raw(encoder.encode("c_codecs\nencode\n")); // GLOBAL
  let latin1 = "";
  for (const b of data) latin1 += String.fromCharCode(b);
  writeString(out, latin1);
  writeString(out, "latin1");
  out.byte(0x86); // TUPLE2
  out.byte(0x52); // REDUCE
}
