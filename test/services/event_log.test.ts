import { describe, expect, test } from "bun:test";
import type { CoreEvent, LinkRefusalReason, RefusalReason } from "../../src/core/events.ts";
import { createLogger, type LogSink } from "../../src/shell/log.ts";
import { EventBus } from "../../src/bus/event_bus.ts";
import { EventLog, registerEventLog } from "../../src/services/event_log.ts";
import { explainEvent } from "../../src/services/refusal_text.ts";

/** Collects JSON lines with the (fake) event time at which each was written. */
class Capture implements LogSink {
  readonly lines: { atMs: number; record: Record<string, unknown>; text: string }[] = [];
  atMs = 0;
  write(text: string): void {
    this.lines.push({ atMs: this.atMs, record: JSON.parse(text) as Record<string, unknown>, text });
  }
}

function eventLog(level: "info" | "debug" | "warn" = "info"): { log: EventLog; out: Capture } {
  const out = new Capture();
  return { log: new EventLog(createLogger({ level, format: "json" }, { destination: out })), out };
}

function write(log: EventLog, out: Capture, event: CoreEvent): void {
  out.atMs = event.atMs;
  log.write(event, event.atMs);
}

const refused = (atMs: number, reason: RefusalReason, repeaterId = 2_345_601, address = "192.0.2.7"): CoreEvent => ({
  type: "session.refused",
  atMs,
  repeaterId,
  address,
  port: 50_000 + (atMs % 1000),
  reason,
});

const ALL_SESSION_REASONS: RefusalReason[] = ["acl", "access-rule", "max-peers", "bad-passphrase", "rate-limited", "callsign-denied", "wrong-state", "invalid-id"];
const ALL_LINK_REASONS: LinkRefusalReason[] = ["wrong-network-id", "malformed", "bad-mac", "wrong-protocol", "bad-slot", "too-old", "bad-source-server", "too-many-hops"];

/** Most lines inside any window [t, t + 1000) of event time. */
function maxPerSecond(times: number[]): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe("every refusal is explained: ids and what to change", () => {
  test("login refusals: warn, repeater id, address, and a config key for every reason", () => {
    for (const reason of ALL_SESSION_REASONS) {
      const line = explainEvent(refused(1, reason))!;
      expect(line.level).toBe("warn");
      expect(line.msg).toContain("2345601");
      expect(line.msg).toContain("192.0.2.7:50001");
      expect(line.reason).toBe(`session.refused:${reason}`);
      expect(typeof line.fields["fix"]).toBe("string");
      expect(line.msg.length).toBeGreaterThan(60);
    }
    expect(explainEvent(refused(1, "bad-passphrase"))!.msg).toContain("hbp.passphrase");
    expect(explainEvent(refused(1, "max-peers"))!.msg).toContain("hbp.max_peers");
    expect(explainEvent(refused(1, "acl"))!.msg).toContain("hbp.registration_acl");
    expect(explainEvent(refused(1, "rate-limited"))!.msg).toContain("hbp.login_rate_limit_per_minute");
    // a reason another version adds still gets a line
    expect(explainEvent(refused(1, "cookie-expired" as RefusalReason))!.msg).toContain("cookie-expired");
  });

  test("link drops: warn, the link, the address, the count; wrong network id names accept_any_peer_id and both ids", () => {
    for (const reason of ALL_LINK_REASONS) {
      const line = explainEvent({ type: "link.refused", atMs: 1, link: "bm", reason, count: 7, address: "203.0.113.5", port: 62_035 })!;
      expect(line.level).toBe("warn");
      expect(line.msg).toContain("link bm: 7 datagrams from 203.0.113.5:62035 dropped");
      expect(typeof line.fields["fix"]).toBe("string");
    }
    const line = explainEvent({ type: "link.refused", atMs: 1, link: "hbl4", reason: "wrong-network-id", count: 1, address: "::1", port: 5, networkId: 3_120_001, expectedNetworkId: 999 })!;
    expect(line.msg).toContain("accept_any_peer_id = true");
    expect(line.msg).toContain('[[openbridge]] "hbl4"');
    expect(line.msg).toContain("network id 3120001");
    expect(line.msg).toContain("expected network_id 999");
    expect(line.msg).toContain("[::1]:5");
    expect(line.msg).toContain("HBlink4");
  });

  test("calls not routed, dial-a-TG, 5000 status, options, bridges: info or warn with the ids", () => {
    const sr = (reason: string): string =>
      explainEvent({ type: "stream.refused", atMs: 1, streamId: 9, portIndex: 3, portName: "G4ABC/2345601", sourceId: 2_345_001, destinationId: 3100, slot: 2, reason, repeaterId: 2_345_601 })!.msg;
    expect(sr("talkgroup-acl")).toMatch(/2345001 to 3100 on TS2 via G4ABC\/2345601.*routing\.tgid_ts1_acl/);
    expect(sr("subscriber-acl")).toContain("routing.subscriber_acl");
    expect(sr("duplicate-stream")).toContain("loop control");
    expect(sr("something-new")).toContain("something-new");

    const dial = explainEvent({ type: "dial.rejected", atMs: 1, portIndex: 3, portName: "G4ABC/2345601", reflector: 4000_000, reason: "not-dialable" })!;
    expect(dial.level).toBe("info");
    expect(dial.msg).toContain("reflector 4000000 cannot be dialled");
    expect(explainEvent({ type: "dial.rejected", atMs: 1, portIndex: 3, portName: "p", reflector: 44, reason: "subscription-table-full" })!.msg).toContain("routing.max_subscriptions");

    const status = explainEvent({ type: "dial.status", atMs: 1, portIndex: 3, portName: "G4ABC/2345601", reflector: 4400, defaultReflector: 0 })!;
    expect(status.level).toBe("info");
    expect(status.msg).toContain("5000");
    expect(status.msg).toContain("linked to reflector 4400");
    expect(explainEvent({ type: "dial.status", atMs: 1, portIndex: 3, portName: "p", reflector: 0, defaultReflector: 9 })!.msg).toContain("not linked (default reflector 9)");

    const options = explainEvent({ type: "options.applied", atMs: 1, portIndex: 3, portName: "G4ABC/2345601", options: "TS2=abc;KEY=hunter2", rejected: ['TS2=abc: "abc" is not a talkgroup number (1–16777215)', "KEY=hunter2: key must be 1–64 characters"] })!;
    expect(options.level).toBe("warn");
    expect(options.msg).toContain("2 tokens rejected");
    expect(options.msg).toContain("TS2=abc");
    expect(options.msg).toContain("Options=");
    expect(JSON.stringify(options)).not.toContain("hunter2");
    expect(explainEvent({ type: "options.applied", atMs: 1, portIndex: 3, portName: "p", options: "TS2=91", rejected: [] })!.level).toBe("info");

    const on = explainEvent({ type: "bridge.change", atMs: 1, bridge: "NET", system: "G4ABC/2345601", slot: 2, talkgroupId: 3100, active: true, reason: "on" })!;
    expect(on.level).toBe("info");
    expect(on.msg).toBe("bridge NET: G4ABC/2345601 TS2 TG 3100 switched ON (ON trigger talkgroup keyed)");
    expect(explainEvent({ type: "bridge.change", atMs: 1, bridge: "NET", system: "s", slot: 1, talkgroupId: 1, active: false, reason: "timer" })!.msg).toContain("OFF (its timeout_minutes ran out)");
  });
});

describe("EventLog: no log floods", () => {
  test("a wrong-passphrase flood from 5,000 addresses at 10,000 events/s for 5 s: ≤ 20 lines/s, a suppressed count, every event accounted for", () => {
    const { log, out } = eventLog();
    const total = 50_000;
    for (let i = 0; i < total; i++) write(log, out, refused(i / 10, "bad-passphrase", 2_345_600 + (i % 5000), `127.0.${(i >> 8) & 255}.${i & 255}`));
    out.atMs = 10_000;
    log.drain(10_000);
    const lines = out.lines.filter((l) => l.record["reason"] === "bad-passphrase" || String(l.record["reason"]).includes("bad-passphrase"));
    expect(maxPerSecond(lines.map((l) => l.atMs))).toBeLessThanOrEqual(20);
    const summaries = out.lines.filter((l) => typeof l.record["suppressed"] === "number");
    expect(summaries.length).toBeGreaterThan(0);
    expect(String(summaries[0]!.record["msg"])).toMatch(/^suppressed \d+ similar lines \(reason session\.refused:bad-passphrase\)/);
    const logged = out.lines.length - summaries.length;
    const suppressed = summaries.reduce((n, l) => n + (l.record["suppressed"] as number), 0);
    expect(logged + suppressed).toBe(total);
    expect(log.counts.suppressed).toBe(suppressed);
    // about 10 lines/s sustained over 5 s
    expect(out.lines.length).toBeLessThanOrEqual(10 + 10 * 5 + 1);
  });

  test("reasons are limited separately: a stream-id spray does not silence a login refusal", () => {
    const { log, out } = eventLog();
    for (let i = 0; i < 20_000; i++) {
      const atMs = i / 10;
      write(log, out, { type: "stream.start", atMs, streamId: i, portIndex: 3, portName: "G4ABC/2345601", sourceId: 2_345_001, destinationId: 91, slot: 2, callType: "group", kind: "voice" });
      if (i === 10_000) write(log, out, refused(atMs, "max-peers"));
    }
    expect(out.lines.filter((l) => String(l.record["msg"]).includes("server is full")).length).toBe(1);
    const starts = out.lines.filter((l) => l.record["msg"] === "stream start" || l.record["reason"] === "stream.start");
    expect(maxPerSecond(starts.map((l) => l.atMs))).toBeLessThanOrEqual(20);
  });

  test("debug lines do not spend tokens; stats write nothing", () => {
    const { log, out } = eventLog("info");
    for (let i = 0; i < 100; i++) write(log, out, { type: "subscription.change", atMs: 0, portIndex: 1, portName: "p", slot: 2, talkgroupId: 91, action: "add", reason: "static" });
    expect(out.lines.length).toBe(0);
    expect(log.limiter.keyCount).toBe(0);
  });

  test("with info off (level warn), call starts and ends write nothing and spend no tokens; warnings still do", () => {
    const { log, out } = eventLog("warn");
    for (let i = 0; i < 100; i++) {
      write(log, out, { type: "stream.start", atMs: i, streamId: i, portIndex: 3, portName: "G4ABC/2345601", sourceId: 2_345_001, destinationId: 91, slot: 2, callType: "group", kind: "voice" });
    }
    expect(out.lines.length).toBe(0);
    expect(log.limiter.keyCount).toBe(0);
    write(log, out, refused(200, "max-peers"));
    expect(out.lines.filter((l) => String(l.record["msg"]).includes("server is full")).length).toBe(1);
  });

  test("registered on the bus, call starts and ends are queued for it only with info on, talkgroup changes only with debug on, other events always", async () => {
    for (const level of ["warn", "info", "debug"] as const) {
      const bus = new EventBus<CoreEvent>();
      const out = new Capture();
      const stop = registerEventLog(bus, createLogger({ level, format: "json" }, { destination: out }));
      for (let i = 0; i < 10; i++) bus.publish({ type: "stream.start", atMs: i, streamId: i, portIndex: 3, portName: "G4ABC/2345601", sourceId: 2_345_001, destinationId: 91, slot: 2, callType: "group", kind: "voice" });
      for (let i = 0; i < 5; i++) bus.publish({ type: "subscription.change", atMs: 10 + i, portIndex: 1, portName: "p", slot: 2, talkgroupId: 91 + i, action: "add", reason: "user-activated" });
      bus.publish(refused(20, "max-peers"));
      await bus.idle();
      const delivered = bus.stats().subscribers.find((s) => s.name === "event-log")!.delivered;
      expect(delivered).toBe({ warn: 1, info: 11, debug: 16 }[level]);
      expect(out.lines.filter((l) => String(l.record["msg"]).includes("server is full")).length).toBe(1);
      stop();
    }
  });

  test("the options KEY= value never reaches the log, even from a producer that forgot to redact", () => {
    const { log, out } = eventLog();
    write(log, out, { type: "options.applied", atMs: 1, portIndex: 3, portName: "p", options: "TS2=91;KEY=hunter2", rejected: [] });
    write(log, out, { type: "options.applied", atMs: 2, portIndex: 3, portName: "p", options: "KEY=hunter2;TS1=x", rejected: ["TS1=x: bad", "KEY=hunter2;: no"] });
    write(log, out, { type: "log", atMs: 3, level: "warn", msg: "raw RPTO TS2=1;key=hunter2", data: { options: "KEY=hunter2" } });
    expect(out.lines.length).toBe(3);
    for (const l of out.lines) expect(l.text).not.toContain("hunter2");
    expect(out.lines[0]!.record["options"]).toBe("TS2=91;KEY=***");
  });
});

describe("explanations: odds and ends", () => {
  test("log events are limited per link; public messages carry no address", () => {
    const a = explainEvent({ type: "log", atMs: 1, level: "warn", msg: "upstream up1: login to 203.0.113.9:62031 refused (MSTNAK in config); retrying", data: { link: "up1" } })!;
    expect(a.reason).toBe("log:warn:up1");
    expect(a.publicMsg).toBe("upstream up1: login to [address] refused (MSTNAK in config); retrying");
    const b = explainEvent({ type: "log", atMs: 1, level: "info", msg: "openbridge x: peer is now at [2001:db8::1]:62035 (was 2001:db8::2:62035)", data: { link: "x" } })!;
    expect(b.publicMsg).toBe("openbridge x: peer is now at [address] (was [address])");
    expect(explainEvent({ type: "log", atMs: 1, level: "error", msg: "hbp: exception" })!.reason).toBe("log:error");
  });

  test("a ban names the banned prefix without a port; the conflict's public text names no address", () => {
    const ban = explainEvent({ type: "session.refused", atMs: 1, repeaterId: 0, address: "2001:db8:1:2::/64", port: 0, reason: "rate-limited" })!;
    expect(ban.msg).toContain("from 2001:db8:1:2::/64: too many failed logins");
    const conflict = explainEvent({ type: "session.conflict", atMs: 1, repeaterId: 2_345_601, oldAddress: "192.0.2.1:5", newAddress: "192.0.2.2:6" })!;
    expect(conflict.msg).toContain("192.0.2.1:5");
    expect(conflict.publicMsg).not.toContain("192.0.2");
  });
});
