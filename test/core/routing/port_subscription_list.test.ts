/**
 * A port's subscriptions are a list from PortState.firstSub through each subscription's nextInPort
 * (state.ts, subscriptions.ts): appended in the order they are made, unlinked from the front, the
 * middle and the end, and a bridge member's options kept beside it (RouterContext.bridgeMembers)
 * only while it lasts. Walked here directly, in the order the router keeps them.
 */
import { expect, test } from "bun:test";
import type { CoreEvent, EventSink } from "../../../src/core/events.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../../src/core/router_port.ts";
import { routingOptions } from "../../../src/core/routing/options.ts";
import { RouterContext } from "../../../src/core/routing/router_context.ts";
import { portDown, portUp } from "../../../src/core/routing/hotspots/port_lifecycle.ts";
import { SubKind, SubOrigin, type PortState } from "../../../src/core/routing/state.ts";
import { insertSub, removeSub } from "../../../src/core/routing/subscriptions/subscriptions.ts";
import { Prng } from "../../../src/lib/prng.ts";

class ListPort implements RouterPort {
  readonly #buffers = [new Uint8Array(55), new Uint8Array(55)] as const;
  readonly kind = PortKind.Hotspot;
  readonly simplex = false;
  readonly callsign = "X";
  readonly accessRule = null;
  constructor(
    readonly portIndex: number,
    readonly name: string,
    readonly repeaterId: number,
  ) {}
  txBuffer(slot: Slot): Uint8Array {
    return this.#buffers[slot - 1]!;
  }
  emit(): void {}
}

const sink: EventSink = { publish: (_e: CoreEvent) => {} };

function walk(ps: PortState): string[] {
  const out: string[] = [];
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) out.push(`${sub.slot}:${sub.talkgroupId}`);
  return out;
}

test("subscriptions are kept in the order they were made; unlinking from the front, middle and end keeps the rest in order", () => {
  const ctx = new RouterContext(routingOptions({ serverId: 2340999 }), { outbox: new Outbox(64), events: sink, prng: new Prng(1) });
  const now = 1_000_000;
  const port = new ListPort(0, "HS", 2340000);
  portUp(ctx, now, port);
  const ps = ctx.ports[0]!;
  expect(ps.firstSub).toBeNull();
  const subs = [3100, 3101, 3102, 3103, 3104].map((tg, i) => insertSub(ctx, ps, i % 2 === 0 ? 1 : 2, tg, tg, SubKind.Static, SubOrigin.Api, 0)!);
  expect(walk(ps)).toEqual(["1:3100", "2:3101", "1:3102", "2:3103", "1:3104"]);
  removeSub(ctx, now, subs[2]!, null); // middle
  expect(walk(ps)).toEqual(["1:3100", "2:3101", "2:3103", "1:3104"]);
  removeSub(ctx, now, subs[0]!, null); // front
  expect(walk(ps)).toEqual(["2:3101", "2:3103", "1:3104"]);
  removeSub(ctx, now, subs[4]!, null); // end
  expect(walk(ps)).toEqual(["2:3101", "2:3103"]);
  const again = insertSub(ctx, ps, 1, 3105, 3105, SubKind.Dynamic, SubOrigin.Traffic, now + 60_000)!;
  expect(walk(ps)).toEqual(["2:3101", "2:3103", "1:3105"]);
  // a removed record is unlinked from everything and goes back to the free list
  expect([subs[2]!.ps, subs[2]!.nextInPort, subs[2]!.conferencePosition]).toEqual([null, null, -1]);
  expect(ctx.subscriptionCount).toBe(3);
  portDown(ctx, now, port);
  expect(ps.firstSub).toBeNull();
  expect([again.ps, again.nextInPort]).toEqual([null, null]);
  expect(ctx.subscriptionCount).toBe(0);
});

test("a bridge member's options are kept while its subscription lasts, and forgotten with it", () => {
  const ctx = new RouterContext(
    routingOptions({
      serverId: 2340999,
      bridges: [{ name: "B", members: [{ system: "hs", slot: 1, talkgroupId: 3200, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] }] }],
    }),
    { outbox: new Outbox(64), events: sink, prng: new Prng(1) },
  );
  const now = 1_000_000;
  const port = new ListPort(0, "HS", 2340000);
  portUp(ctx, now, port);
  const ps = ctx.ports[0]!;
  const bridgeSub = ps.firstSub!;
  expect(bridgeSub).not.toBeNull();
  expect([bridgeSub.kind, bridgeSub.talkgroupId, bridgeSub.nextInPort]).toEqual([SubKind.Bridge, 3200, null]);
  expect(ctx.bridgeMembers.get(bridgeSub)?.talkgroupId).toBe(3200);
  portDown(ctx, now, port);
  expect(ctx.bridgeMembers.size).toBe(0);
});
