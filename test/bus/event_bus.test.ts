import { afterEach, describe, expect, test } from "bun:test";
import { DuplicateServiceError, EventBus } from "../../src/bus/event_bus.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("EventBus", () => {
  test("a duplicate service name is rejected loudly, naming the service", () => {
    const bus = new EventBus<number>();
    bus.register("dashboard", () => {});
    expect(() => bus.register("dashboard", () => {})).toThrow(DuplicateServiceError);
    expect(() => bus.register("dashboard", () => {})).toThrow(/"dashboard"/);
    expect(bus.stats().subscribers.map((s) => s.name)).toEqual(["dashboard"]);
    // after unregistering, the name is free again
    bus.unregister("dashboard");
    expect(() => bus.register("dashboard", () => {})).not.toThrow();
  });

  test("an event no subscriber wants schedules no delivery turn; a wanted one schedules one per burst", async () => {
    const bus = new EventBus<number>();
    const seen: number[] = [];
    bus.register("evens", (e) => void seen.push(e), { filter: (e) => (e as number) % 2 === 0 });
    const realSetImmediate = globalThis.setImmediate;
    let scheduled = 0;
    globalThis.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
      scheduled++;
      return realSetImmediate(fn, ...args);
    }) as typeof setImmediate;
    try {
      for (let i = 1; i < 20; i += 2) bus.publish(i);
      expect(scheduled).toBe(0);
      bus.publish(2);
      bus.publish(4);
      expect(scheduled).toBe(1);
    } finally {
      globalThis.setImmediate = realSetImmediate;
    }
    await bus.idle();
    expect(seen).toEqual([2, 4]);
    expect(bus.stats().published).toBe(12);
  });

  test("publish never calls a handler synchronously; delivery happens later, in order", async () => {
    const bus = new EventBus<number>();
    const seen: number[] = [];
    bus.register("a", (e) => {
      seen.push(e);
    });
    for (let i = 0; i < 10; i++) bus.publish(i);
    expect(seen).toEqual([]);
    await bus.idle();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("a full queue drops and counts per subscriber; others are unaffected", async () => {
    const bus = new EventBus<number>();
    const small: number[] = [];
    const big: number[] = [];
    bus.register("small", (e) => void small.push(e), { queueCapacity: 3 });
    bus.register("big", (e) => void big.push(e), { queueCapacity: 100 });
    for (let i = 0; i < 10; i++) bus.publish(i);
    await bus.idle();
    expect(small).toEqual([0, 1, 2]);
    expect(big.length).toBe(10);
    const stats = bus.stats().subscribers;
    expect(stats.find((s) => s.name === "small")?.dropped).toBe(7);
    expect(stats.find((s) => s.name === "big")?.dropped).toBe(0);
  });

  test("a throwing or rejecting consumer is counted and isolated", async () => {
    const errors: string[] = [];
    const bus = new EventBus<number>({ onHandlerError: (name) => errors.push(name) });
    const good: number[] = [];
    bus.register("throws", () => {
      throw new Error("boom");
    });
    bus.register("rejects", async () => {
      throw new Error("async boom");
    });
    bus.register("good", (e) => void good.push(e));
    for (let i = 0; i < 5; i++) bus.publish(i);
    await bus.idle();
    for (let i = 0; i < 5; i++) await turn();
    expect(good).toEqual([0, 1, 2, 3, 4]);
    const stats = Object.fromEntries(bus.stats().subscribers.map((s) => [s.name, s]));
    expect(stats["throws"]!.failed).toBe(5);
    expect(stats["rejects"]!.failed).toBe(5);
    expect(stats["rejects"]!.lastError).toBe("async boom");
    expect(stats["good"]!.delivered).toBe(5);
    expect(errors.filter((n) => n === "throws").length).toBe(5);
  });

  test("an async consumer gets one delivery in flight; while it is stuck its queue fills and drops", async () => {
    const bus = new EventBus<number>();
    let release: () => void = () => {};
    let calls = 0;
    bus.register(
      "slow",
      () => {
        calls++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { queueCapacity: 4 },
    );
    const fast: number[] = [];
    bus.register("fast", (e) => void fast.push(e));
    for (let i = 0; i < 20; i++) bus.publish(i);
    await bus.idle();
    expect(calls).toBe(1);
    expect(fast.length).toBe(20);
    const slow = bus.stats().subscribers.find((s) => s.name === "slow")!;
    expect(slow.inFlight).toBe(true);
    expect(slow.dropped).toBe(16); // all 20 published before any delivery: 4 queued, 16 dropped; 1 taken since
    release();
    for (let i = 0; i < 10 && calls < 4; i++) {
      await turn();
      release();
    }
    expect(calls).toBe(4);
  });

  test("delivery is budgeted per event-loop turn", async () => {
    const bus = new EventBus<number>({ deliveryBudgetPerTurn: 10 });
    let seen = 0;
    bus.register("count", () => {
      seen++;
    }, { queueCapacity: 1000 });
    for (let i = 0; i < 100; i++) bus.publish(i);
    await turn();
    expect(seen).toBe(10);
    await bus.idle();
    expect(seen).toBe(100);
  });
});

describe("the bus never holds up the packet path", () => {
  let server: TestServer | null = null;
  const clients: HbpClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close({ rptcl: false });
    await server?.stop();
    server = null;
  });

  test("logins over UDP complete while one consumer never resolves and another throws", async () => {
    server = await startTestServer();
    let stuckCalls = 0;
    server.server.bus.register("stuck", () => {
      stuckCalls++;
      return new Promise<void>(() => {});
    }, { queueCapacity: 2 });
    server.server.bus.register("broken", () => {
      throw new Error("consumer bug");
    });
    for (let i = 0; i < 12; i++) {
      const c = await HbpClient.open({ serverPort: server.port, repeaterId: 5000 + i });
      clients.push(c);
      await c.login();
      expect(await c.ping()).toBe(true);
    }
    expect(server.hbp.connectedCount).toBe(12);
    expect(await server.until(() => server!.eventsOf("session.up").length === 12)).toBe(true);
    const stats = Object.fromEntries(server.server.bus.stats().subscribers.map((s) => [s.name, s]));
    expect(stuckCalls).toBe(1);
    expect(stats["stuck"]!.dropped).toBe(12 - 1 - 2);
    expect(stats["broken"]!.failed).toBe(12);
    expect(stats["test-recorder"]!.dropped).toBe(0);
  });
});
