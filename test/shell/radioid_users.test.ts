/** `[voice] talker_alias_users_file`: the RadioID-format users list behind talker-alias insertion (JSON and CSV), through the alias-data parsers. */
import { expect, test } from "bun:test";
import { aliasLookup, parseRadioIdUsers } from "../../src/shell/radioid_users.ts";

test("RadioID users.json: radio_id, callsign, fname; bad rows skipped and counted", () => {
  const r = parseRadioIdUsers(
    JSON.stringify({ users: [{ radio_id: 2345678, callsign: "N0CALL", fname: "Ada", surname: "L" }, { radio_id: "3120001", callsign: " W1AW ", fname: "Hiram" }, { radio_id: 0, callsign: "X" }, { callsign: "NOID" }] }),
  );
  if (!r.ok) throw new Error(r.reason);
  expect(aliasLookup(r.users)(2345678)).toEqual({ callsign: "N0CALL", firstName: "Ada" });
  expect(aliasLookup(r.users)(3120001)).toEqual({ callsign: "W1AW", firstName: "Hiram" });
  expect(r.skipped).toBe(2);
  expect(aliasLookup(r.users)(2345678)?.callsign).toBe("N0CALL");
  expect(aliasLookup(r.users)(1)).toBeUndefined();
});

test("RadioID user.csv with quoted fields", () => {
  const r = parseRadioIdUsers('RADIO_ID,CALLSIGN,FIRST_NAME,LAST_NAME,CITY\n2345678,N0CALL,"Ada, Countess",Lovelace,London\n\n3120001,W1AW,Hiram,Maxim,"Newington"\nbad,row,x\n');
  if (!r.ok) throw new Error(r.reason);
  expect(aliasLookup(r.users)(2345678)).toEqual({ callsign: "N0CALL", firstName: "Ada, Countess" });
  expect(r.users.size).toBe(2);
  expect(r.skipped).toBe(1);
});

test("unusable files are refused with a reason", () => {
  expect(parseRadioIdUsers("{not json").ok).toBe(false);
  expect(parseRadioIdUsers('{"nousers":[]}').ok).toBe(false);
  const csv = parseRadioIdUsers("A,B,C\n1,2,3\n");
  expect(csv.ok ? "" : csv.reason).toContain("RADIO_ID");
});
