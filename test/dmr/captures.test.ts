/**
 * Every full LC, embedded LC, slot type and EMB in the three real captures decodes valid, with the
 * exact counts of test/fixtures/captures/SOURCES.md; talker aliases and DMRA from the captures.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { TalkerAliasAssembler } from "../../src/dmr/talker_alias.ts";
import { DmraLayout, DmraMessage, DmraStatus, decodeDmra } from "../../src/wire/dmra.ts";
import { readPcapDmrd, readPcapUdp } from "../support/pcap.ts";
import { CAPTURES, vectors } from "./fixtures.ts";

function inspect(file: string): StreamInspector {
  const inspector = new StreamInspector();
  for (const d of readPcapDmrd(join(CAPTURES, file))) inspector.push(d.payload);
  return inspector;
}

const count = (list: { valid: boolean; flco: number }[], predicate: (e: { valid: boolean; flco: number }) => boolean) => list.filter(predicate).length;

describe("the vendored captures are the unmodified files SOURCES.md describes", () => {
  // SOURCES.md table rows: | `file` | origin | path | commit | size | `sha256` |
  const rows = [...readFileSync(join(CAPTURES, "SOURCES.md"), "utf8").matchAll(/^\| `([^`]+\.pcap)` \|.*\| `([0-9a-f]{64})` \|$/gm)];
  test("one row per .pcap in test/fixtures/captures, every sha256 matches", () => {
    const files = readdirSync(CAPTURES).filter((f) => f.endsWith(".pcap")).sort();
    expect(rows.map((r) => r[1]).sort()).toEqual(files);
    expect(files.length).toBe(3);
    for (const [, file, sha256] of rows) {
      expect(createHash("sha256").update(readFileSync(join(CAPTURES, file!))).digest("hex")).toBe(sha256!);
    }
  });
});

describe("marrold_mmdvm_example.pcap (Pi-Star ↔ BrandMeister / DMR+)", () => {
  const all = readPcapUdp(join(CAPTURES, "marrold_mmdvm_example.pcap"));
  const inspector = inspect("marrold_mmdvm_example.pcap");
  test("548 DMRD of 646 datagrams", () => {
    expect(all.length).toBe(646);
    expect(readPcapDmrd(join(CAPTURES, "marrold_mmdvm_example.pcap")).length).toBe(548);
    expect(inspector.badDatagrams).toBe(0);
  });
  test("28/28 full LCs valid (18 headers, 10 terminators) + the PI-labelled voice header", () => {
    expect(inspector.headers.length).toBe(18);
    expect(inspector.terminators.length).toBe(10);
    expect(inspector.headers.every((h) => h.valid)).toBe(true);
    expect(inspector.terminators.every((h) => h.valid)).toBe(true);
    expect(inspector.piHeaders.length).toBe(1);
    expect(inspector.piHeaders[0]!.valid).toBe(true);
    // DMR+ puts TG 9 in the DMRD header while the LC names the reflector 4400–4409
    expect(inspector.headers.some((h) => h.destinationId >= 4400 && h.destinationId <= 4409)).toBe(true);
  });
  test("29/29 slot types, 433/433 EMBs with LCSS 1,3,3,2,0", () => {
    expect(inspector.slotTypesValid).toBe(29);
    expect(inspector.slotTypesInvalid).toBe(0);
    expect(inspector.embsValid).toBe(433);
    expect(inspector.embsInvalid).toBe(0);
    expect(inspector.embLcssMismatch).toBe(0);
  });
  test("86/86 embedded LCs valid: 68 group, 9 private, 9 talker alias", () => {
    const e = inspector.embedded;
    expect(e.length).toBe(86);
    expect(inspector.incompleteEmbedded).toBe(0);
    expect(count(e, (x) => x.valid)).toBe(86);
    expect(count(e, (x) => x.valid && x.flco === 0)).toBe(68);
    expect(count(e, (x) => x.valid && x.flco === 3)).toBe(9);
    expect(count(e, (x) => x.valid && x.flco >= 4 && x.flco <= 7)).toBe(9);
  });
  test("talker alias N2XRV", () => {
    expect(inspector.talkerAliases).toEqual(["N2XRV DMR ID: 3162052"]);
  });
});

describe("w3msg_full_session.pcap (MMDVMHost ↔ DMRGateway)", () => {
  const inspector = inspect("w3msg_full_session.pcap");
  test("6 581 DMRD", () => {
    expect(readPcapDmrd(join(CAPTURES, "w3msg_full_session.pcap")).length).toBe(6581);
    expect(inspector.badDatagrams).toBe(0);
  });
  test("86/86 full LCs (64 headers, 22 terminators), 86/86 slot types, 5 407/5 407 EMBs", () => {
    expect(inspector.headers.length).toBe(64);
    expect(inspector.terminators.length).toBe(22);
    expect([...inspector.headers, ...inspector.terminators].every((h) => h.valid)).toBe(true);
    expect(inspector.slotTypesValid).toBe(86);
    expect(inspector.slotTypesInvalid).toBe(0);
    expect(inspector.embsValid).toBe(5407);
    expect(inspector.embsInvalid).toBe(0);
    expect(inspector.embLcssMismatch).toBe(0);
  });
  test("1 078 bursts E: 8 incomplete sets, 1 070 complete = 1 033 valid + 37 invalid by construction", () => {
    const e = inspector.embedded;
    expect(inspector.incompleteEmbedded).toBe(8);
    expect(e.length).toBe(1070);
    expect(count(e, (x) => x.valid)).toBe(1033);
    const invalid = e.filter((x) => !x.valid);
    expect(invalid.length).toBe(37);
  });
  test("the 37 invalid sets all sit in the two spliced calls (src 2341924 / stream 0x34000000, src 5020596 / stream 0x38000000)", () => {
    const inspector2 = new StreamInspector();
    const streams = new Set<string>();
    for (const d of readPcapDmrd(join(CAPTURES, "w3msg_full_session.pcap"))) {
      const before = inspector2.embedded.length;
      inspector2.push(d.payload);
      const added = inspector2.embedded[before];
      if (added !== undefined && !added.valid) streams.add(`${inspector2.frame.sourceId}/${inspector2.frame.streamId.toString(16)}`);
    }
    expect([...streams].sort()).toEqual(["2341924/34000000", "5020596/38000000"]);
  });
  test("talker aliases in ISO-8859-1, UTF-8 and UTF-16", () => {
    for (const text of ["VU2NSK DMR ID", "9M2SFL Saiful Azhar", "W3MSG", "S21JSR Abu Saleh Md. Ju", "ER1CW Victor", "MM7SVI Neal"]) {
      expect(inspector.talkerAliases).toContain(text);
    }
  });
  test("the five 15-byte DMRA (MMDVMHost layout without repeater id) carry the W3MSG alias header", () => {
    const dmra = readPcapUdp(join(CAPTURES, "w3msg_full_session.pcap")).filter((d) => d.payload[3] === 0x41 && d.payload.length === 15);
    expect(dmra.length).toBe(5);
    const message = new DmraMessage();
    for (const d of dmra) {
      expect(decodeDmra(d.payload, 3141966, message)).toBe(DmraStatus.Ok);
      expect(message.layout).toBe(DmraLayout.NoRepeater);
      expect(message.sourceId).toBe(3141966);
      expect(message.blockType).toBe(0);
      const ta = new TalkerAliasAssembler();
      expect(ta.addData(message.blockType, message.data, 0, message.dataLength)).toBe(true);
      expect(ta.text).toBe("W3MSG");
    }
  });
});

describe("w3msg_dmr_104203.pcap", () => {
  const inspector = inspect("w3msg_dmr_104203.pcap");
  test("290 DMRD: 5/5 full LCs, 5/5 slot types, 237/237 EMBs, 47/47 embedded LCs", () => {
    expect(readPcapDmrd(join(CAPTURES, "w3msg_dmr_104203.pcap")).length).toBe(290);
    expect(inspector.headers.length).toBe(3);
    expect(inspector.terminators.length).toBe(2);
    expect([...inspector.headers, ...inspector.terminators].every((h) => h.valid)).toBe(true);
    expect(inspector.slotTypesValid).toBe(5);
    expect(inspector.embsValid).toBe(237);
    expect(inspector.embsInvalid).toBe(0);
    expect(inspector.embedded.length).toBe(47);
    expect(inspector.embedded.every((e) => e.valid)).toBe(true);
    expect(inspector.incompleteEmbedded).toBe(0);
  });
  test("talker aliases A46BCW Ahmed (UTF-8) and S51DG Davor (ISO-8859-1)", () => {
    expect(inspector.talkerAliases).toEqual(["A46BCW Ahmed", "S51DG Davor"]);
  });
});

describe("talkerAlias vectors", () => {
  for (const v of vectors.talkerAlias) {
    test(`${v.text} (${v.format}) decodes from its LCs and occurs in ${v.capture}`, () => {
      const ta = new TalkerAliasAssembler();
      let done = -1;
      v.lcs.forEach((hex, i) => {
        if (ta.addLc(Uint8Array.from(Buffer.from(hex, "hex")), 0)) done = i;
      });
      expect(ta.complete).toBe(true);
      expect(ta.text).toBe(v.text);
      expect(ta.format as number).toBe(v.formatCode);
      expect(ta.length).toBe(v.length);
      expect(done).toBeGreaterThanOrEqual(0);
      // the LCs arrive as valid embedded LCs of that caller's calls in the capture
      const inspector = inspect(v.capture);
      const seen = new Set(inspector.embedded.filter((e) => e.valid).map((e) => e.hex));
      for (const hex of v.lcs) expect(seen.has(hex)).toBe(true);
      expect(inspector.talkerAliasesByStream.some((a) => a.sourceId === v.src && a.text === v.text)).toBe(true);
    });
  }
});
