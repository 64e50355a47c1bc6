/** Unit tests of the alias parsers (RadioID JSON/CSV formats) and the compact table. */
import { describe, expect, test } from "bun:test";
import { AliasTableBuilder } from "../../../src/services/aliases/alias_table.ts";
import { parseAliasData } from "../../../src/services/aliases/parse.ts";

describe("users", () => {
  test("RadioID users.json: radio_id or id, names, city, state, country; bad rows skipped", () => {
    const r = parseAliasData(
      "users",
      JSON.stringify({
        users: [
          { radio_id: 2345678, callsign: "G0ABC", fname: "Ada", surname: "Lovelace", city: "London", state: "England", country: "United Kingdom" },
          { id: 3100001, callsign: "N0CALL", fname: "Bob", surname: "", city: "Denver", state: "Colorado", country: "United States" },
          { radio_id: "x", callsign: "BAD" },
          { radio_id: 5, callsign: "" },
        ],
      }),
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.table.size).toBe(2);
    expect(r.skipped).toBe(2);
    expect(r.table.get(2345678)).toEqual({ callsign: "G0ABC", firstName: "Ada", surname: "Lovelace", city: "London", state: "England", country: "United Kingdom" });
    expect(r.table.field(3100001, "country")).toBe("United States");
    expect(r.table.get(1)).toBeNull();
  });

  test("RadioID user.csv: the header decides the columns (any order), quotes honoured", () => {
    const csv = 'CITY,RADIO_ID,CALLSIGN,LAST_NAME,FIRST_NAME,STATE,COUNTRY\r\n"Paris, centre",2080001,F1AAA,Curie,Marie,IdF,France\r\nBerlin,2620001,DL1BBB,"Muller ""Max""",Max,Berlin,Germany\r\n\r\n';
    const r = parseAliasData("users", csv);
    if (!r.ok) throw new Error(r.reason);
    expect(r.table.size).toBe(2);
    expect(r.table.get(2080001)).toEqual({ callsign: "F1AAA", firstName: "Marie", surname: "Curie", city: "Paris, centre", state: "IdF", country: "France" });
    expect(r.table.field(2620001, "surname")).toBe('Muller "Max"');
  });

  test("wrong shapes are errors with a reason", () => {
    expect(parseAliasData("users", '{"nope":[]}')).toEqual({ ok: false, reason: expect.stringContaining('{"users"') });
    expect(parseAliasData("users", "{not json")).toEqual({ ok: false, reason: expect.stringContaining("not valid JSON") });
    expect(parseAliasData("users", "A,B\n1,2")).toEqual({ ok: false, reason: expect.stringContaining("RADIO_ID") });
  });
});

describe("repeaters and talkgroups", () => {
  test("RadioID rptrs.json", () => {
    const r = parseAliasData("repeaters", JSON.stringify({ rptrs: [{ id: 234560101, callsign: "GB7AA", city: "York", state: "", country: "United Kingdom", frequency: "439.4" }] }));
    if (!r.ok) throw new Error(r.reason);
    expect(r.table.get(234560101)).toMatchObject({ callsign: "GB7AA", city: "York", country: "United Kingdom" });
  });

  test("talkgroups: JSON object, JSON array, CSV with and without a header", () => {
    const object = parseAliasData("talkgroups", '{"91":"Worldwide","235":"UK"}');
    const array = parseAliasData("talkgroups", '[{"id":91,"name":"Worldwide"},{"tgid":"3100","name":"USA"}]');
    const csv = parseAliasData("talkgroups", "91,Worldwide\n235,UK\n");
    const headed = parseAliasData("talkgroups", "NAME,TGID\nWorldwide,91\n");
    for (const r of [object, array, csv, headed]) {
      if (!r.ok) throw new Error(r.reason);
      expect(r.table.field(91, "callsign")).toBe("Worldwide");
    }
    expect(array.ok && array.table.field(3100, "callsign")).toBe("USA");
  });
});

describe("compact table", () => {
  test("sorted ids, deduplicated strings, later duplicates win, copies survive a transfer", () => {
    const b = new AliasTableBuilder();
    for (let i = 0; i < 1000; i++) b.add(5_000_000 - i, { callsign: `C${i}`, country: i % 2 === 0 ? "France" : "Germany" });
    b.add(4_999_999, { callsign: "LATER" });
    const t = b.build();
    expect(t.size).toBe(1000);
    expect(t.field(4_999_999, "callsign")).toBe("LATER");
    expect(t.field(4_999_000 + 1, "callsign")).toBe("C999");
    // "France" and "Germany" are stored once each
    const text = new TextDecoder().decode(t.data.stringBytes);
    expect(text.split("France").length - 1).toBe(1);
    const copy = t.copyData();
    structuredClone(copy, { transfer: [copy.ids.buffer as ArrayBuffer] });
    expect(t.size).toBe(1000); // the original is untouched
  });
});
