/**
 * watchKv against a real nats-server (JetStream KV): every entry reaches `onEntry`, and
 * `onCaughtUp` is told once, right after the last entry that was in the bucket when the watch
 * began — what shared_sessions.ts waits for before it says a node's sessions are shared.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { watchKv } from "../../src/shell/cluster/kv_watch.ts";
import { startNatsServer, type NatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";

const maybe = describeWithNats();
let nats: NatsServer | null = null;
let nc: NatsConnection | null = null;

maybe("watchKv", () => {
  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  test("onCaughtUp comes once, after the entries already in the bucket and before later ones", async () => {
    const kv = await new Kvm(nc!).create("watch_test");
    for (let i = 0; i < 5; i++) await kv.put(`sess.${i}`, String(i));
    await kv.delete("sess.4"); // a deleted key is an entry of the replay too
    const seen: string[] = [];
    let stopped = false;
    let caughtUp = -1;
    const caught = new Promise<void>((resolve) => {
      void watchKv(kv, "sess.>", {
        stopped: () => stopped,
        onEntry: (e) => void seen.push(`${e.key}:${e.operation}`),
        onBadEntry: () => {},
        onEnd: () => {},
        onCaughtUp: () => {
          caughtUp = seen.length;
          resolve();
        },
      });
    });
    await caught;
    expect(caughtUp).toBe(5);
    expect(seen.slice(0, 4)).toEqual(["sess.0:PUT", "sess.1:PUT", "sess.2:PUT", "sess.3:PUT"]);
    expect(seen[4]).toBe("sess.4:DEL");
    await kv.put("sess.9", "9");
    for (let t = 0; t < 100 && seen.length < 6; t++) await Bun.sleep(20);
    expect(seen[5]).toBe("sess.9:PUT");
    expect(caughtUp).toBe(5); // told once
    stopped = true;
  });
});
