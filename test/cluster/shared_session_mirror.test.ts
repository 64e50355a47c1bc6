/**
 * The shared-session mirror (src/shell/cluster/shared_session_mirror.ts) without NATS: record
 * validation (malformed, oversized, wrong id → ignored and counted), the mirror's bound, and the
 * adoption rule (exact endpoint; a worker of this host; this node's previous incarnation; a node
 * that handed over or is gone — within the window; never a live node of another group).
 */
import { describe, expect, test } from "bun:test";
import { HEARTBEAT_ALIVE_MS, RECORD_BYTES_MAX, SharedSessionMirror, sessionKeyId, validSharedSession, type SharedSessionRecord } from "../../src/shell/cluster/shared_session_mirror.ts";
import { parseRptc, encodeRptc } from "../../src/wire/rptc.ts";

const enc = new TextEncoder();
const WINDOW = 30_000;
const T0 = 1_800_000_000_000; // wall ms
const ME = { nodeId: 10, group: "host-a", incarnation: T0 - 60_000 };

function config(repeaterId: number) {
  const parsed = parseRptc(encodeRptc({ repeaterId, callsign: "N0CALL", slots: "3" }));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.config;
}

function record(repeaterId: number, over: Partial<SharedSessionRecord> = {}): SharedSessionRecord {
  return { v: 1, n: 20, name: "b", g: "host-b", i: T0 - 100_000, a: "192.0.2.7", p: 51_000, c: config(repeaterId), r: null, o: "TS2=3100;", at: T0 - 90_000, ho: 0, ...over };
}

const bytes = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value));
const beat = (m: SharedSessionMirror, nodeId: number, group: string, at: number): void => m.onNode(`node.${nodeId}`, "PUT", bytes({ name: "x", group, at }), at);

describe("shared session records", () => {
  test("valid records pass; anything malformed is refused field by field", () => {
    expect(validSharedSession(record(3100001), 3100001)).not.toBeNull();
    expect(validSharedSession(record(3100001), 3100002)).toBeNull(); // the key's id must be the config's
    const bad: unknown[] = [
      null,
      "text",
      { ...record(3100001), v: 2 },
      { ...record(3100001), p: 0 },
      { ...record(3100001), p: 70_000 },
      { ...record(3100001), a: "" },
      { ...record(3100001), a: "x".repeat(65) },
      { ...record(3100001), o: "x".repeat(1025) },
      { ...record(3100001), r: 5 },
      { ...record(3100001), ho: -1 },
      { ...record(3100001), c: { ...config(3100001), callsign: "TOOLONGCALL" } },
      { ...record(3100001), c: { ...config(3100001), simplex: "no" } },
      { ...record(3100001), c: null },
    ];
    for (const b of bad) expect(validSharedSession(b, 3100001)).toBeNull();
    expect(sessionKeyId("sess.3100001")).toBe(3100001);
    for (const k of ["sess.", "sess.abc", "sess.-1", "sess.0", "sess.99999999999", "rpt.3100001", "sess.1e5"]) expect(sessionKeyId(k)).toBe(0);
  });

  test("the mirror ignores and counts malformed, oversized and wrongly keyed entries; a DEL removes", () => {
    const m = new SharedSessionMirror(ME, WINDOW);
    m.onSession("sess.3100001", "PUT", bytes(record(3100001)), 5);
    expect(m.size).toBe(1);
    expect(m.revision(3100001)).toBe(5);
    m.onSession("sess.3100002", "PUT", enc.encode("{not json"), 6);
    m.onSession("sess.3100003", "PUT", bytes({ ...record(3100003), o: "x".repeat(RECORD_BYTES_MAX) }), 7);
    m.onSession("sess.nope", "PUT", bytes(record(3100001)), 8);
    m.onSession("sess.3100004", "PUT", bytes(record(3100005)), 9);
    expect(m.stats.malformed).toBe(4);
    expect(m.size).toBe(1);
    // a malformed update replaces what was there (it is no longer what the owner holds)
    m.onSession("sess.3100001", "PUT", enc.encode("[]"), 10);
    expect(m.get(3100001)).toBeNull();
    m.onSession("sess.3100001", "PUT", bytes(record(3100001)), 11);
    m.onSession("sess.3100001", "DEL", new Uint8Array(0), 12);
    expect(m.size).toBe(0);
  });

  test("the mirror is bounded: past its size new records are not mirrored (counted), known ones still update", () => {
    const m = new SharedSessionMirror(ME, WINDOW, 3);
    for (let i = 1; i <= 5; i++) m.onSession(`sess.${3100000 + i}`, "PUT", bytes(record(3100000 + i)), i);
    expect(m.size).toBe(3);
    expect(m.stats.mirrorFull).toBe(2);
    m.onSession("sess.3100001", "PUT", bytes(record(3100001, { p: 52_000 })), 9);
    expect(m.get(3100001)!.p).toBe(52_000);
  });
});

describe("the adoption rule", () => {
  test("only the exact (address, port) of the record; IPv4-mapped addresses compare as plain", () => {
    const m = new SharedSessionMirror(ME, WINDOW);
    m.onSession("sess.3100001", "PUT", bytes(record(3100001, { ho: T0 - 1000 })), 1);
    expect(m.offer(3100001, "192.0.2.7", 51_001, T0)).toBeNull();
    expect(m.offer(3100001, "192.0.2.8", 51_000, T0)).toBeNull();
    expect(m.stats.refusedEndpoint).toBe(2);
    expect(m.offer(3100001, "::ffff:192.0.2.7", 51_000, T0)).toMatchObject({ repeaterId: 3100001, options: "TS2=3100;", accessRule: null });
    expect(m.offer(3100002, "192.0.2.7", 51_000, T0)).toBeNull(); // nothing held for that id
  });

  test("another group's live node keeps its sessions; handed over or gone, they are taken within the window", () => {
    const m = new SharedSessionMirror(ME, WINDOW);
    beat(m, 20, "host-b", T0 - 5000);
    m.onSession("sess.3100001", "PUT", bytes(record(3100001)), 1);
    expect(m.offer(3100001, "192.0.2.7", 51_000, T0)).toBeNull();
    expect(m.stats.refusedOwnerAlive).toBe(1);
    // handed over (the node is still beating while it stops)
    m.onSession("sess.3100001", "PUT", bytes(record(3100001, { ho: T0 - 2000 })), 2);
    expect(m.offer(3100001, "192.0.2.7", 51_000, T0)).not.toBeNull();
    expect(m.offer(3100001, "192.0.2.7", 51_000, T0 - 2000 + WINDOW + 1)).toBeNull(); // past the window
    expect(m.stats.refusedStale).toBe(1);
    // gone without a hand-over: its heartbeat is stale (killed); taken until the window after that
    m.onSession("sess.3100001", "PUT", bytes(record(3100001)), 3);
    const dead = T0 - 5000 + HEARTBEAT_ALIVE_MS;
    expect(m.offer(3100001, "192.0.2.7", 51_000, dead - 1)).toBeNull(); // still counts as alive
    expect(m.offer(3100001, "192.0.2.7", 51_000, dead + 1)).not.toBeNull();
    expect(m.offer(3100001, "192.0.2.7", 51_000, dead + WINDOW + 1)).toBeNull();
    // left the registry (its entry deleted): from the deletion on
    m.onNode("node.20", "DEL", new Uint8Array(0), T0 + 1000);
    expect(m.nodeAlive(20, T0 + 1001)).toBe(false);
    expect(m.offer(3100001, "192.0.2.7", 51_000, T0 + 1001)).not.toBeNull();
    // a node never seen (no heartbeat at all): nothing known, not taken
    m.onSession("sess.3100002", "PUT", bytes(record(3100002, { n: 30, g: "host-c" })), 4);
    expect(m.offer(3100002, "192.0.2.7", 51_000, T0)).toBeNull();
  });

  test("workers of this host: a live sibling's session is taken (the kernel sends that endpoint here now); this node's previous incarnation's too, its current one's never", () => {
    const m = new SharedSessionMirror(ME, WINDOW);
    beat(m, 11, "host-a", T0 - 1000);
    m.onSession("sess.3100001", "PUT", bytes(record(3100001, { n: 11, g: "host-a", name: "host-a-w2" })), 1);
    expect(m.offer(3100001, "192.0.2.7", 51_000, T0)).not.toBeNull();
    // our previous incarnation (same node id, restarted): within the window after our start
    m.onSession("sess.3100002", "PUT", bytes(record(3100002, { n: ME.nodeId, g: ME.group, i: ME.incarnation - 5000 })), 2);
    expect(m.offer(3100002, "192.0.2.7", 51_000, ME.incarnation + 1000)).not.toBeNull();
    expect(m.offer(3100002, "192.0.2.7", 51_000, ME.incarnation + WINDOW + 1)).toBeNull();
    // our own current record without a session here is stale, never adopted
    m.onSession("sess.3100003", "PUT", bytes(record(3100003, { n: ME.nodeId, g: ME.group, i: ME.incarnation })), 3);
    expect(m.offer(3100003, "192.0.2.7", 51_000, ME.incarnation + 1000)).toBeNull();
    expect(m.stats.refusedOwn).toBe(1);
    expect(m.owned()).toEqual([3100003]);
  });
});
