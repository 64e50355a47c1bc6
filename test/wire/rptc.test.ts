import { describe, expect, test } from "bun:test";
import { encodeRptc, parseRptc } from "../../src/wire/rptc.ts";
import { capturePath } from "../support/fixtures.ts";
import { readPcapUdp } from "../support/pcap.ts";

function rptcWithText(text: string, id = 2345601): Uint8Array {
  const out = new Uint8Array(302).fill(0x20);
  out.set(new TextEncoder().encode("RPTC"), 0);
  new DataView(out.buffer).setUint32(4, id);
  for (let i = 0; i < text.length && 8 + i < 302; i++) out[8 + i] = text.charCodeAt(i);
  return out;
}

describe("parseRptc", () => {
  test("round-trips the MMDVMHost/DMRGateway layout", () => {
    const bytes = encodeRptc({
      repeaterId: 2345601,
      callsign: "G4ABC",
      rxFrequencyHz: 438800000,
      txFrequencyHz: 430400000,
      power: 5,
      colourCode: 7,
      latitude: 51.5,
      longitude: -0.12,
      heightM: 45,
      location: "London",
      description: "Pi-Star hotspot",
      slots: "3",
      url: "https://example.org",
      softwareId: "20260713",
      packageId: "MMDVM_MMDVM_HS_Dual_Hat",
    });
    expect(bytes.length).toBe(302);
    const parsed = parseRptc(bytes);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config).toEqual({
      repeaterId: 2345601,
      callsign: "G4ABC",
      rxFrequencyHz: 438800000,
      txFrequencyHz: 430400000,
      power: 5,
      colourCode: 7,
      latitude: 51.5,
      longitude: -0.12,
      heightM: 45,
      location: "London",
      description: "Pi-Star hotspot",
      slots: "3",
      url: "https://example.org",
      softwareId: "20260713",
      packageId: "MMDVM_MMDVM_HS_Dual_Hat",
      simplex: false,
    });
  });

  test("lenient: odd number formats, negative heights, garbage numbers and NULs", () => {
    // callsign(8) rx(9) tx(9) power(2) cc(2) lat(8) lon(9) height(3) location(20) description(19) slots(1)
    const text = "n0call  " + "438800000" + "438800000" + "xx" + "01" + "+51.5000" + "-000.1200" + "-05" + "Somewhere".padEnd(20) + "desc".padEnd(19) + "4";
    const parsed = parseRptc(rptcWithText(text));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.callsign).toBe("N0CALL");
    expect(parsed.config.power).toBe(0);
    expect(parsed.config.latitude).toBe(51.5);
    expect(parsed.config.longitude).toBe(-0.12);
    expect(parsed.config.heightM).toBe(-5);
    expect(parsed.config.simplex).toBe(true);
    const nuls = rptcWithText("AB\0\0\0\0\0\0" + "abcdefghi");
    const p2 = parseRptc(nuls);
    expect(p2.ok && p2.config.callsign).toBe("AB");
    expect(p2.ok && p2.config.rxFrequencyHz).toBe(0);
  });

  test("simplex when RX = TX even with slots '3'; not simplex when both are 0", () => {
    const same = parseRptc(encodeRptc({ repeaterId: 1, callsign: "A", rxFrequencyHz: 1, txFrequencyHz: 1, slots: "3" }));
    expect(same.ok && same.config.simplex).toBe(true);
    const zero = parseRptc(encodeRptc({ repeaterId: 1, callsign: "A", rxFrequencyHz: 0, txFrequencyHz: 0, slots: "3" }));
    expect(zero.ok && zero.config.simplex).toBe(false);
  });

  test("wrong length or tag is an error value, never a throw", () => {
    expect(parseRptc(new Uint8Array(301)).ok).toBe(false);
    expect(parseRptc(new Uint8Array(302)).ok).toBe(false);
  });

  test("a real RPTC (Pi-Star DMRGateway 2018 → BrandMeister)", () => {
    const datagrams = readPcapUdp(capturePath("marrold_mmdvm_example.pcap"));
    const rptcs = datagrams.filter((d) => d.payload.length === 302 && String.fromCharCode(...d.payload.subarray(0, 4)) === "RPTC");
    expect(rptcs.length).toBeGreaterThan(0);
    const parsed = parseRptc(rptcs[0]!.payload);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.softwareId).toBe("DMRGateway-20180522_Pi-Star");
    expect(parsed.config.packageId).toBe("MMDVM_DVMega");
    expect(parsed.config.callsign.length).toBeGreaterThan(3);
    expect(parsed.config.rxFrequencyHz).toBeGreaterThan(100_000_000);
  });
});
