/**
 * Subscriptions kept per port (state.ts: a port's list runs from PortState.firstSub through each
 * subscription's nextInPort; subscriptions.ts appends and unlinks): many ports changing their
 * options, going down and up again on the same index, must always list exactly their own talkgroups
 * and hear exactly the calls to them. Seeded.
 */
import { expect, test } from "bun:test";
import { testSeed } from "../../support/seed.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { Harness, type FakePort } from "./harness.ts";

const PORTS = 40;
const TS1_GROUPS = [3100, 3101, 3102, 3103];
const TS2_GROUPS = [3104, 3105, 3106, 3107];

test("subscriptions added and removed across many ports: each lists and hears exactly its own", () => {
  const seed = testSeed("subscription_store");
  const prng = new Prng(seed);
  const pick = (n: number): number => prng.nextInt(n);
  const h = new Harness({ hangTimeMs: 0, userActivation: false });
  const talker = h.hotspot({ repeaterId: 2_349_999 });
  const ports: FakePort[] = [];
  const want = new Map<FakePort, { up: boolean; ts1: number[]; ts2: number[] }>();
  for (let i = 0; i < PORTS; i++) {
    const port = h.hotspot();
    ports.push(port);
    want.set(port, { up: true, ts1: [], ts2: [] });
  }
  const subset = (groups: number[]): number[] => groups.filter(() => pick(2) === 0);
  const check = (): void => {
    for (const port of ports) {
      const w = want.get(port)!;
      const listed = h.router.subscriptions(port).map((s) => `${s.slot}:${s.talkgroupId}:${s.kind}`);
      const expected = w.up ? [...w.ts1.map((tg) => `1:${tg}:static`), ...w.ts2.map((tg) => `2:${tg}:static`)] : [];
      expect(listed).toEqual(expected);
    }
  };
  let streamId = 0x5000;
  for (let step = 0; step < 400; step++) {
    const port = ports[pick(PORTS)]!;
    const w = want.get(port)!;
    const action = pick(6);
    if (action === 0 && w.up) {
      h.router.onPortDown(h.nowMs, port);
      w.up = false;
    } else if (action === 0) {
      h.router.onPortUp(h.nowMs, port);
      w.up = true;
      w.ts1 = [];
      w.ts2 = [];
    } else if (w.up) {
      w.ts1 = subset(TS1_GROUPS);
      w.ts2 = subset(TS2_GROUPS);
      h.router.onOptions(h.nowMs, port, `TS1=${w.ts1.join(",")};TS2=${w.ts2.join(",")};`);
    }
    h.flush();
    check();
    if (step % 40 === 39) {
      const slot = pick(2) === 0 ? 1 : 2;
      const tg = (slot === 1 ? TS1_GROUPS : TS2_GROUPS)[pick(4)]!;
      for (const p of ports) p.clear();
      h.call(talker, { sourceId: 2_340_001, destinationId: tg, slot, streamId: streamId++ });
      h.advance(1_000);
      h.flush();
      const heard = ports.filter((p) => p.sent.some((s) => s.destinationId === tg && s.slot === slot));
      const expected = ports.filter((p) => {
        const pw = want.get(p)!;
        return pw.up && (slot === 1 ? pw.ts1 : pw.ts2).includes(tg);
      });
      expect(heard.map((p) => p.name)).toEqual(expected.map((p) => p.name));
    }
  }
  // every port leaves: nothing listed, nothing heard
  for (const port of ports) if (want.get(port)!.up) h.router.onPortDown(h.nowMs, port);
  for (const port of ports) want.get(port)!.up = false;
  check();
});
