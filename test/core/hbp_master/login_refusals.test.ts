import { describe, expect, test } from "bun:test";
import type { CoreEvent } from "../../../src/core/events.ts";
import { LoginRefusalReporter, OVERFLOW_SOURCE, REFUSAL_BURST } from "../../../src/core/hbp_master/login_refusals.ts";
import { Prng } from "../../../src/lib/prng.ts";

type Refused = Extract<CoreEvent, { type: "session.refused" }>;

function reporter(options: ConstructorParameters<typeof LoginRefusalReporter>[1] = {}): { r: LoginRefusalReporter; events: Refused[] } {
  const events: Refused[] = [];
  const r = new LoginRefusalReporter((e) => events.push(e as Refused), options);
  return { r, events };
}

const total = (events: Refused[]): number => events.reduce((n, e) => n + (e.count ?? 1), 0);

describe("LoginRefusalReporter", () => {
  test("a slow source is reported refusal by refusal, as it happens", () => {
    const { r, events } = reporter();
    // a hotspot with a wrong passphrase retrying every 10 s, and a club of 5 behind one address at once
    for (let i = 0; i < 6; i++) r.report(i * 10_000, "198.51.100.7", "bad-passphrase", 2_345_001, "198.51.100.7", 62031);
    for (let i = 0; i < REFUSAL_BURST; i++) r.report(60_000, "203.0.113.9", "acl", 2_345_100 + i, "203.0.113.9", 40_000 + i);
    expect(events.length).toBe(6 + REFUSAL_BURST);
    expect(events.every((e) => e.count === undefined && e.idsVaried === undefined)).toBe(true);
    expect(events.slice(6).map((e) => e.repeaterId)).toEqual([2_345_100, 2_345_101, 2_345_102, 2_345_103, 2_345_104]);
    expect(r.totals).toEqual({ published: 11, held: 0, summaries: 0 });
  });

  test("a flood: one event per source and reason a second, counts exact, the latest id, address and port", () => {
    const seed = Date.now() % 1_000_000;
    console.log(`SEED=${seed} (login refusal flood)`);
    const prng = new Prng(seed);
    const { r, events } = reporter();
    let refused = 0;
    let lastPort = 0;
    // 3 s of 2,000 refusals a second from one address, a fresh id each time; the master ticks every 100 ms
    for (let ms = 0; ms < 3000; ms++) {
      for (let k = 0; k < 2; k++) {
        lastPort = 1024 + prng.nextInt(60_000);
        r.report(ms, "192.0.2.66", "bad-passphrase", 400_000_000 + refused, "192.0.2.66", lastPort);
        refused++;
      }
      if (ms % 100 === 99) r.flush(ms);
    }
    r.flush(3000, true);
    expect(total(events)).toBe(refused);
    expect(events.length).toBeLessThanOrEqual(REFUSAL_BURST + 3 + 1);
    const summaries = events.filter((e) => e.count !== undefined);
    expect(summaries.length).toBeGreaterThanOrEqual(3);
    expect(summaries.every((e) => e.idsVaried === true && e.count! > 1)).toBe(true);
    // at most one summary per second (the last: the final flush, at shutdown)
    for (let i = 1; i < summaries.length - 1; i++) expect(summaries[i]!.atMs - summaries[i - 1]!.atMs).toBeGreaterThanOrEqual(1000 - 1);
    expect(summaries.at(-1)).toMatchObject({ repeaterId: 400_000_000 + refused - 1, address: "192.0.2.66", port: lastPort });
  });

  test("one id flooding is summed up without idsVaried; other sources and reasons are not held up by it", () => {
    const { r, events } = reporter();
    for (let i = 0; i < 50; i++) r.report(i, "192.0.2.1", "banned", 7, "192.0.2.1", 5000);
    r.report(50, "192.0.2.2", "banned", 8, "192.0.2.2", 5000);
    r.report(51, "192.0.2.1", "bad-passphrase", 9, "192.0.2.1", 5000);
    expect(events.map((e) => `${e.repeaterId} ${e.reason}`)).toEqual([...Array.from({ length: REFUSAL_BURST }, () => "7 banned"), "8 banned", "9 bad-passphrase"]);
    r.flush(100);
    expect(events.at(-1)).toMatchObject({ repeaterId: 7, reason: "banned", count: 50 - REFUSAL_BURST });
    expect(events.at(-1)!.idsVaried).toBeUndefined();
  });

  test("quiet sources are forgotten; beyond maxSources new sources share one", () => {
    const { r, events } = reporter({ maxSources: 3 });
    for (let s = 0; s < 10; s++) for (let i = 0; i < 20; i++) r.report(0, `10.0.0.${s}`, "bad-passphrase", 100 + s, `10.0.0.${s}`, 1000);
    expect(r.sources).toBe(4); // 3 and the shared one
    r.flush(0, true);
    expect(total(events)).toBe(200);
    const shared = events.filter((e) => e.count !== undefined && e.address.startsWith("10.0.0.") && Number(e.address.split(".")[3]) >= 3);
    expect(shared.length).toBe(1); // the seven beyond the bound, summed up together
    expect(shared[0]!.count).toBe(7 * 20 - REFUSAL_BURST);
    r.flush(10_000);
    expect(r.sources).toBe(0);
    expect(OVERFLOW_SOURCE).toContain("other");
  });
});
