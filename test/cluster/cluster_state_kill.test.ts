/**
 * A node killed outright (SIGKILL, no goodbye, no last drain) right after a hotspot's state changed
 * there: the change is in the shared KV already, because the state journal hands changes to the KV
 * every `store.journal_interval_ms` (100 ms by default) — so the hotspot logs in to another node and
 * finds its new user-activated talkgroup and dial link there. And with `[store]` on as well, the one
 * journal feeds both stores: the SQLite file and the KV hold the same record. Needs nats-server
 * (skips without it; fails under CI=true).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CallType } from "../../src/wire/dmrd.ts";
import { natsServerMissing, type NatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, nextStreamId, sendVoice, startCluster, startNode, waitFrames, type ClusterNodeProcess } from "./support/cluster_net.ts";

const maybe = describeWithNats();
let nats: NatsServer;
let nodes: ClusterNodeProcess[] = [];
const stateRoot = mkdtempSync(join(tmpdir(), "freedmr-cluster-store-"));

beforeAll(async () => {
  if (natsServerMissing() !== null) return;
  ({ nats, nodes } = await startCluster(["ka", "kb"]));
});

afterAll(async () => {
  await cleanUpCluster();
  rmSync(stateRoot, { recursive: true, force: true });
});

/** Killed this long after the change was made (the journal interval is 100 ms; the old 1 s journal lost it). */
const KILL_AFTER_MS = 200;

maybe("cluster state through the store interface", () => {
  test(`node A SIGKILLed ${KILL_AFTER_MS} ms after a hotspot activated a talkgroup and dialled a reflector: on node B it has both`, async () => {
    const [a, b] = nodes;
    const repeaterId = 312_077_801;
    const listener = await hotspotOn(b!.hbpPort, "");
    const first = await hotspotOn(a!.hbpPort, "", repeaterId);
    // its login restore on A is done (nothing to restore): from now on its changes go to the KV
    expect(await a!.proc.waitForLog((l) => l["msg"] === "hotspot connected" && l["repeaterId"] === repeaterId, 5000)).not.toBeNull();
    await sendVoice(first, { sourceId: 3120801, destinationId: 3411, slot: 1, streamId: nextStreamId(), superframes: 1 });
    await sendVoice(first, { sourceId: 3120801, destinationId: 92, slot: 2, streamId: nextStreamId(), superframes: 1, callType: CallType.Unit });
    const linked = await a!.proc.waitForLog((l) => l["reflector"] === 92 && l["action"] === "link", 5000);
    expect(linked).not.toBeNull();
    const changedAt = performance.now();
    await Bun.sleep(KILL_AFTER_MS);
    await a!.proc.kill("SIGKILL");
    console.log(`node A killed ${Math.round(performance.now() - changedAt)} ms after the dial link was logged`);
    await first.close({ rptcl: false }).catch(() => {});

    const moved = await hotspotOn(b!.hbpPort, "", repeaterId);
    const restored = await b!.proc.waitForLog((l) => l["msg"] === "cluster: hotspot state restored from the cluster" && l["repeaterId"] === repeaterId, 5000);
    expect(restored).not.toBeNull();
    expect([restored!["dynamic"], restored!["dial"]]).toEqual([1, 92]);
    // and in force: TG 3411 on TS1, reflector 92 heard as TG 9 on TS2
    expect(await callCrosses(listener, [moved], 3411, 1)).toBe(true);
    const streamId = nextStreamId();
    const n = await sendVoice(listener, { sourceId: 3120802, destinationId: 92, slot: 1, streamId, superframes: 1 });
    const frames = await waitFrames(moved, streamId, n);
    expect(frames.length).toBe(n);
    expect(frames.every((f) => f.destinationId === 9 && f.slot === 2)).toBe(true);
  }, 45_000);

  test("[store] and the cluster together: the SQLite file and the KV get the same record from the one journal", async () => {
    const directory = join(stateRoot, "kc");
    const node = await startNode({ name: "kc", servers: [nats.url], extra: `[store]\ndirectory = "${directory}"\nflush_interval_seconds = 1\n` });
    expect(await node.proc.waitForLog((l) => l["msg"] === "cluster: shared state in JetStream KV ready", 10_000)).not.toBeNull();
    const repeaterId = 312_077_802;
    const h = await hotspotOn(node.hbpPort, "", repeaterId);
    await sendVoice(h, { sourceId: 3120803, destinationId: 3412, slot: 1, streamId: nextStreamId(), superframes: 1 });
    const { connect } = await import("@nats-io/transport-node");
    const { Kvm } = await import("@nats-io/kv");
    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).open("freedmr_state");
      const fromKv = async (): Promise<unknown> => (await kv.get(`hs.${repeaterId}`))?.json<{ record: unknown }>().record ?? null;
      const fromSqlite = (): unknown => {
        const file = join(directory, "freedmr.sqlite");
        if (!existsSync(file)) return null;
        const db = new Database(file, { readonly: true });
        try {
          const row = db.prepare("SELECT record FROM hotspots WHERE repeater_id = ?").get(repeaterId) as { record: string } | null;
          return row === null ? null : JSON.parse(row.record);
        } catch {
          return null; // not created yet
        } finally {
          db.close();
        }
      };
      const ua = (r: unknown): number[] => ((r as { session?: { dynamic?: { talkgroupId: number }[] } } | null)?.session?.dynamic ?? []).map((d) => d.talkgroupId);
      let kvRecord: unknown = null;
      let sqliteRecord: unknown = null;
      // both written (SQLite once a second here): the same record, field for field
      const deadline = performance.now() + 10_000;
      do {
        kvRecord = await fromKv();
        sqliteRecord = fromSqlite();
        if (ua(kvRecord).includes(3412) && JSON.stringify(kvRecord) === JSON.stringify(sqliteRecord)) break;
        await Bun.sleep(100);
      } while (performance.now() < deadline);
      expect(ua(kvRecord)).toEqual([3412]);
      expect(sqliteRecord).toEqual(kvRecord);
    } finally {
      await nc.close();
    }
  }, 45_000);
});
