/**
 * What a dynamically linked ELF64 little-endian executable needs from the system to start: its
 * program interpreter (PT_INTERP) and its DT_NEEDED shared libraries — what `readelf -l` / `readelf -d`
 * print. Reads only the headers and the dynamic section (the binaries are ~100 MiB).
 *
 * ELF layout: System V ABI, "ELF header" / "Program header" / "Dynamic section" (ELF64 sizes).
 */
import { closeSync, openSync, readSync } from "node:fs";

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

export interface ElfNeeds {
  interpreter: string | null;
  needed: string[];
}

export function elfNeeds(path: string): ElfNeeds {
  const fd = openSync(path, "r");
  try {
    const read = (offset: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      const got = readSync(fd, buffer, 0, length, offset);
      if (got !== length) throw new Error(`${path}: short read at ${offset}`);
      return buffer;
    };
    const header = read(0, 64);
    // e_ident: magic, EI_CLASS 2 = ELF64, EI_DATA 1 = little-endian
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) throw new Error(`${path}: not an ELF64 little-endian file`);
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const programHeaders = read(phoff, phentsize * phnum);
    let interpreter: string | null = null;
    let dynamic: { offset: number; size: number } | null = null;
    const loads: { vaddr: number; offset: number; filesz: number }[] = [];
    for (let i = 0; i < phnum; i++) {
      const base = i * phentsize;
      const type = programHeaders.readUInt32LE(base);
      const offset = Number(programHeaders.readBigUInt64LE(base + 8));
      const vaddr = Number(programHeaders.readBigUInt64LE(base + 16));
      const filesz = Number(programHeaders.readBigUInt64LE(base + 32));
      if (type === PT_INTERP) interpreter = read(offset, filesz).toString("latin1").replace(/\0+$/, "");
      else if (type === PT_DYNAMIC) dynamic = { offset, size: filesz };
      else if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    }
    if (dynamic === null) return { interpreter, needed: [] };
    const entries = read(dynamic.offset, dynamic.size);
    const neededOffsets: number[] = [];
    let strtabAddress = -1;
    for (let at = 0; at + 16 <= entries.length; at += 16) {
      const tag = Number(entries.readBigInt64LE(at));
      const value = Number(entries.readBigUInt64LE(at + 8));
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(value);
      else if (tag === DT_STRTAB) strtabAddress = value;
    }
    // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segments.
    const segment = loads.find((l) => strtabAddress >= l.vaddr && strtabAddress < l.vaddr + l.filesz);
    if (segment === undefined) throw new Error(`${path}: DT_STRTAB not in a loaded segment`);
    const strtab = segment.offset + (strtabAddress - segment.vaddr);
    const needed = neededOffsets.map((offset) => {
      const bytes = read(strtab + offset, 256);
      const end = bytes.indexOf(0);
      return bytes.subarray(0, end < 0 ? bytes.length : end).toString("latin1");
    });
    return { interpreter, needed };
  } finally {
    closeSync(fd);
  }
}
