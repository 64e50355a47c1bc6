/**
 * Config reload over real sockets, on the real composition (startFreedmr: HBP master, routing
 * core, federation links, UDP host): a connected hotspot survives; a new passphrase applies at the
 * next login; a hotspot the new rules deny gets MSTCL; an ACL change applies to the next call while
 * the call in progress finishes; links added, removed and changed (only that one restarts); keys
 * that need a restart are named and keep their old value; a link that cannot start is reported.
 * The SIGHUP / admin-API / invalid-config path through a real process is test/cli/reload.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { startFreedmr, type RunningFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import { CallType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { SimFrameKind, readTag, writeFrame, type FrameFields } from "../sim/frames.ts";
import { lcEncoder } from "../sim/workload.ts";

type Doc = Record<string, Record<string, unknown> | unknown[]>;

function configFrom(doc: Doc): Config {
  const base: Doc = {
    log: { level: "info", format: "json" },
    server: { server_id: 310001, ...(doc["server"] as object) },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0, passphrase: "first-pass", ...(doc["hbp"] as object) },
    http: { enabled: false, port: 0 },
  };
  const result = validateConfig({ ...doc, ...base });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

interface Running {
  server: RunningFreedmr;
  port: number;
  events: CoreEvent[];
  logs: Record<string, unknown>[];
}

const toStop: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of toStop.splice(0)) await stop();
});

async function start(doc: Doc): Promise<Running> {
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const server = await startFreedmr(configFrom(doc), log, { warnDefaultPassphrase: false, statsIntervalMs: 60_000 });
  const events: CoreEvent[] = [];
  server.bus.register("reload-test", (e) => void events.push(e), { queueCapacity: 1_000_000 });
  toStop.push(() => server.stop());
  const port = server.boundSockets().find((s) => s.handler === "hbp")!.port;
  return { server, port, events, logs };
}

async function until(predicate: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (predicate()) return true;
    await HbpClient.settle(10);
  }
  return predicate();
}

async function client(port: number, repeaterId: number, extra: { passphrase?: string; options?: string; callsign?: string } = {}): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: port, repeaterId, passphrase: extra.passphrase ?? "first-pass", slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, callsign: extra.callsign ?? "G0ABC", ...(extra.options !== undefined ? { options: extra.options } : {}) });
  toStop.push(() => c.close());
  return c;
}

describe("reload: HBP master", () => {
  test("a connected hotspot stays; the new passphrase applies at the next login, the old one no longer", async () => {
    const r = await start({});
    const connected = await client(r.port, 2345601);
    await connected.login();
    const report = await r.server.reloader.reload(configFrom({ hbp: { passphrase: "second-pass" } }));
    expect(report.ok).toBe(true);
    expect(report.applied).toContain("hbp.passphrase");
    expect(report.needsRestart).toEqual([]);
    // still connected: pings answered, no MSTCL, no session.down
    expect(await connected.ping()).toBe(true);
    expect(connected.ofTag("MSTCL")).toHaveLength(0);
    expect(r.events.some((e) => e.type === "session.down")).toBe(false);
    expect(r.server.hbp!.session(2345601)?.connected).toBe(true);

    const old = await client(r.port, 2345602);
    expect((await old.tryLogin()).ok).toBe(false);
    const fresh = await client(r.port, 2345603, { passphrase: "second-pass" });
    expect((await fresh.tryLogin()).ok).toBe(true);
    // the reload is logged with what changed
    expect(r.logs.some((l) => String(l["msg"]).startsWith("reload: applied hbp.passphrase"))).toBe(true);
    // and the passphrase itself never is
    expect(JSON.stringify(r.logs)).not.toContain("second-pass");
  });

  test("a rule that now denies a connected hotspot closes it with MSTCL; others stay", async () => {
    const r = await start({});
    const denied = await client(r.port, 2345611, { callsign: "M0BAD" });
    const kept = await client(r.port, 2345612, { callsign: "G0GOOD" });
    await denied.login();
    await kept.login();
    const report = await r.server.reloader.reload(configFrom({ hbp: { access_rules: [{ name: "banned", callsign: "M0*", action: "deny" }] } }));
    expect(report.closedSessions).toEqual([2345611]);
    expect(await denied.waitFor((m) => m.tag === "MSTCL", 2000)).not.toBeNull();
    expect(await until(() => r.events.some((e) => e.type === "session.down"))).toBe(true);
    expect(r.events.filter((e) => e.type === "session.down")).toEqual([expect.objectContaining({ repeaterId: 2345611, reason: "denied" })]);
    expect(await kept.ping()).toBe(true);
    expect(kept.ofTag("MSTCL")).toHaveLength(0);
    // and it cannot log in again
    await denied.reopen();
    expect((await denied.tryLogin()).ok).toBe(false);
  });

  test("ports and bind addresses need a restart: named, and the old value stays in force", async () => {
    const r = await start({});
    const before = r.server.boundSockets().map((s) => s.port);
    const report = await r.server.reloader.reload(configFrom({ hbp: { port: 1, receive_buffer_bytes: 65536 }, server: { server_id: 77 } }));
    expect(report.needsRestart.sort()).toEqual(["hbp.port", "hbp.receive_buffer_bytes", "server.server_id"]);
    expect(r.server.boundSockets().map((s) => s.port)).toEqual(before);
    expect(r.server.reloader.running.hbp.port).toBe(0);
    expect(r.logs.some((l) => l["level"] === 40 && String(l["msg"]).includes("need a restart"))).toBe(true);
    const c = await client(r.port, 2345621);
    expect((await c.tryLogin()).ok).toBe(true);
  });
});

// ---- routing ---------------------------------------------------------------------------------------

let nextStream = 0x6100_0000;
let nextTag = 1;

/** A voice call in two halves, so a reload can happen in between. */
function voiceCall(c: HbpClient, sourceId: number, talkgroupId: number) {
  const f: FrameFields = { sequence: 0, sourceId, destinationId: talkgroupId, repeaterId: c.repeaterId, slot: 1, callType: CallType.Group, kind: SimFrameKind.Header, voiceIndex: 0, streamId: nextStream++, tag: 0 };
  const tags: number[] = [];
  const send = (kind: SimFrameKind, voiceIndex = 0): void => {
    const bytes = new Uint8Array(55);
    f.kind = kind;
    f.voiceIndex = voiceIndex;
    f.tag = nextTag++;
    writeFrame(bytes, f, lcEncoder);
    if (kind === SimFrameKind.Burst) tags.push(f.tag);
    c.sendDmrd(bytes);
    f.sequence = (f.sequence + 1) & 0xff;
  };
  return {
    tags,
    streamId: f.streamId,
    async first(): Promise<void> {
      send(SimFrameKind.Header);
      for (let v = 0; v < 6; v++) send(SimFrameKind.Burst, v);
      await HbpClient.settle(20);
    },
    async rest(): Promise<void> {
      for (let v = 0; v < 6; v++) send(SimFrameKind.Burst, v);
      await HbpClient.settle(20);
      send(SimFrameKind.Terminator);
    },
  };
}

describe("reload: routing", () => {
  test("a talkgroup ACL applies to the next call; the call in progress finishes", async () => {
    const r = await start({});
    const talker = await client(r.port, 2345631, { options: "TS1=91;" });
    const listener = await client(r.port, 2345632, { options: "TS1=91;" });
    await talker.login();
    await listener.login();
    await HbpClient.settle(50);

    const during = voiceCall(talker, 2345001, 91);
    await during.first();
    const report = await r.server.reloader.reload(configFrom({ routing: { tgid_ts1_acl: "DENY:91" } }));
    expect(report.applied).toContain("routing.tgid_ts1_acl");
    await during.rest();
    // every burst of the call that started before the reload arrived
    expect(await until(() => during.tags.every((t) => listener.dmrd.some((d) => readTag(d.bytes) === t)))).toBe(true);

    await HbpClient.settle(400); // past the stream timeout
    const after = voiceCall(talker, 2345001, 91);
    await after.first();
    await after.rest();
    expect(await until(() => r.events.some((e) => e.type === "stream.refused" && e.streamId === after.streamId))).toBe(true);
    await HbpClient.settle(100);
    expect(listener.dmrd.some((d) => after.tags.includes(readTag(d.bytes)))).toBe(false);
  });
});

// ---- links -------------------------------------------------------------------------------------------

/** A UDP socket standing in for the other server: counts what each link sends it. */
async function peer(): Promise<{ port: number; received: number; close(): void }> {
  const state = { port: 0, received: 0, close: () => socket.close() };
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data() {
        state.received++;
      },
    },
  });
  state.port = socket.port;
  toStop.push(async () => socket.close());
  return state;
}

function link(name: string, targetPort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, bind_address: "127.0.0.1", port: 0, target_address: "127.0.0.1", target_port: targetPort, passphrase: "link-secret", network_id: 3100, keepalive_interval_seconds: 1, ...extra };
}

describe("reload: links", () => {
  test("a link added starts (its socket sends keepalives), one removed closes, one changed restarts alone", async () => {
    const pa = await peer();
    const pb = await peer();
    const pb2 = await peer();
    const pc = await peer();
    const r = await start({ openbridge: [link("A", pa.port), link("B", pb.port)] });
    expect(await until(() => pa.received > 0 && pb.received > 0)).toBe(true);
    const handlers = () => r.server.boundSockets().map((s) => s.handler).sort();
    expect(handlers()).toEqual(["hbp", "A", "B"].sort());
    const socketA = r.server.boundSockets().find((s) => s.handler === "A")!.port;
    const socketB = r.server.boundSockets().find((s) => s.handler === "B")!.port;

    // B changes its target, C is added; A untouched
    const report = await r.server.reloader.reload(configFrom({ openbridge: [link("A", pa.port), link("B", pb2.port), link("C", pc.port)] }));
    expect(report.ok).toBe(true);
    expect(report.links).toEqual({ added: ["C"], removed: [], restarted: ["B"], failed: [] });
    expect(await until(() => pb2.received > 0 && pc.received > 0)).toBe(true);
    expect(r.server.boundSockets().find((s) => s.handler === "A")!.port).toBe(socketA);
    expect(r.server.boundSockets().find((s) => s.handler === "B")!.port).not.toBe(socketB);
    expect(handlers()).toEqual(["hbp", "A", "B", "C"].sort());

    // C removed: its socket closes and it falls silent
    const second = await r.server.reloader.reload(configFrom({ openbridge: [link("A", pa.port), link("B", pb2.port)] }));
    expect(second.links).toEqual({ added: [], removed: ["C"], restarted: [], failed: [] });
    expect(handlers()).toEqual(["hbp", "A", "B"].sort());
    const heard = pc.received;
    await HbpClient.settle(1300); // longer than a keepalive interval
    expect(pc.received).toBe(heard);
    expect(pa.received).toBeGreaterThan(1); // A kept going throughout
    // the stats snapshot follows the handler list
    expect(r.server.handlers.map((h) => h.name).sort()).toEqual(["hbp", "A", "B"].sort());
  });

  test("a link that cannot open its socket is reported; the rest of the reload applies", async () => {
    const busy = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    toStop.push(async () => busy.close());
    const r = await start({});
    const report = await r.server.reloader.reload(configFrom({ hbp: { passphrase: "second-pass" }, openbridge: [link("X", 9, { port: busy.port })] }));
    expect(report.ok).toBe(false);
    expect(report.links.failed).toEqual(["X"]);
    expect(report.errors[0]).toContain('link "X" could not open its socket');
    expect(report.applied).toContain("hbp.passphrase");
    expect(r.server.boundSockets().map((s) => s.handler)).toEqual(["hbp"]);
  });
});
