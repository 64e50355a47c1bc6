import { describe, expect, test } from "bun:test";
import { aclPermits, parseAcl } from "../../src/core/acl.ts";

function acl(text: string) {
  const p = parseAcl(text);
  if (!p.ok) throw new Error(p.error);
  return p.acl;
}

describe("parseAcl", () => {
  test("PERMIT:ALL permits everything", () => {
    const a = acl("PERMIT:ALL");
    for (const id of [0, 1, 9, 3120101, 4294967295]) expect(aclPermits(a, id)).toBe(true);
  });
  test("DENY:ALL denies everything", () => {
    expect(aclPermits(acl("DENY:ALL"), 5)).toBe(false);
  });
  test("DENY list with ranges: listed denied, others permitted", () => {
    const a = acl("DENY:1-5,3120101");
    for (const id of [1, 3, 5, 3120101]) expect(aclPermits(a, id)).toBe(false);
    for (const id of [0, 6, 3120100, 3120102]) expect(aclPermits(a, id)).toBe(true);
  });
  test("PERMIT list: only listed permitted", () => {
    const a = acl("PERMIT:91,3100-3199");
    expect(aclPermits(a, 91)).toBe(true);
    expect(aclPermits(a, 3150)).toBe(true);
    expect(aclPermits(a, 92)).toBe(false);
    expect(aclPermits(a, 3200)).toBe(false);
  });
  test("overlapping and unsorted ranges merge", () => {
    const a = acl("PERMIT:10-20, 5-12 ,30,21");
    for (const id of [5, 12, 20, 21, 30]) expect(aclPermits(a, id)).toBe(true);
    for (const id of [4, 22, 29, 31]) expect(aclPermits(a, id)).toBe(false);
  });
  test("case and spaces tolerated", () => {
    expect(aclPermits(acl(" permit : all "), 7)).toBe(true);
  });
  test.each(["", "PERMIT", "ALLOW:1", "DENY:", "DENY:1,,2", "DENY:abc", "DENY:5-1", "DENY:99999999999"])("rejects %p", (text) => {
    expect(parseAcl(text).ok).toBe(false);
  });
});
