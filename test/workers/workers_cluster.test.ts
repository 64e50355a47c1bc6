/**
 * `freedmr --workers 2` with [cluster] on a local nats-server the supervisor starts itself
 * (workers.start_nats_server, a port picked at run time): a group call from a hotspot held by
 * worker 1 is heard, complete, by a hotspot held by worker 2, and the other way round.
 * Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { freePorts } from "../core/federation/support/e2e.ts";
import { serverToml } from "../core/federation/support/processes.ts";
import { NATS_SERVER, freeTcpPort, natsServerMissing } from "../cluster/support/nats_server.ts";
import { callCrosses, clients, hotspotOn, nextStreamId, sendVoice, waitFrames } from "../cluster/support/cluster_net.ts";
import type { HbpClient } from "../support/hbp_client.ts";
import { isListening, startSupervisor, stopAllSupervisors } from "./support/supervisor_process.ts";
import { hotspotIds, keepLoggedIn, until } from "./support/worker_net.ts";

const missing = natsServerMissing();
if (missing !== null && process.env["CI"] === "true") {
  test("nats-server is required under CI", () => {
    throw new Error(missing);
  });
}
const maybe = missing === null ? describe : describe.skip;
if (missing !== null) console.warn(`test/workers: cluster test skipped: ${missing}`);

afterAll(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await stopAllSupervisors();
});

maybe("workers joined through a supervised local nats-server", () => {
  let supervisor: Awaited<ReturnType<typeof startSupervisor>>;
  let onWorker: HbpClient[][] = [[], []];
  let hbpPort = 0;

  test("a call from a hotspot on worker 1 is heard by a hotspot on worker 2 (and back)", async () => {
    [hbpPort] = (await freePorts(1)) as [number];
    const natsPort = await freeTcpPort();
    const toml = [
      serverToml(2340, hbpPort, []),
      '[http]\nbind_address = "127.0.0.1"\nport = 0\n',
      `[cluster]\nenabled = true\nnode_name = "host"\nservers = ["nats://127.0.0.1:${natsPort}"]\ninterest_linger_seconds = 1\n`,
      `[workers]\nstart_nats_server = true\nnats_server_command = "${NATS_SERVER}"\nrestart_delay_seconds = 0.2\n`,
    ].join("\n");
    supervisor = await startSupervisor(toml, 2);
    expect(await supervisor.waitForLog((l) => l["worker"] === "nats" && String(l["msg"]).includes("Server is ready"), 15_000)).not.toBeNull();
    for (const index of [1, 2]) {
      expect(await supervisor.waitForLog(isListening(index))).not.toBeNull();
      const connected = await supervisor.waitForLog((l) => l["worker"] === index && l["msg"] === "cluster: connected to NATS", 15_000);
      expect(connected).not.toBeNull();
    }
    expect(await until(() => supervisor.apiUrl(1) !== null && supervisor.apiUrl(2) !== null)).toBe(true);

    // hotspots until each worker holds at least one (the kernel's hash decides which)
    const all: HbpClient[] = [];
    for (let i = 0; i < 24 && (onWorker[0]!.length === 0 || onWorker[1]!.length === 0); i++) {
      all.push(await hotspotOn(hbpPort, "TS2=3100;", 311_000_300 + i));
      await until(async () => {
        const held = await Promise.all([1, 2].map((w) => hotspotIds(supervisor.apiUrl(w)!)));
        onWorker = held.map((ids) => all.filter((c) => ids.includes(c.options.repeaterId)));
        return onWorker[0]!.length + onWorker[1]!.length === all.length;
      });
    }
    expect(onWorker[0]!.length).toBeGreaterThan(0);
    expect(onWorker[1]!.length).toBeGreaterThan(0);
    const a = onWorker[0]![0]!;
    const b = onWorker[1]![0]!;
    expect(await callCrosses(a, [b], 3100, 2, 15_000)).toBe(true); // interest propagated through NATS

    for (const [talker, listener] of [[a, b], [b, a]] as const) {
      const streamId = nextStreamId();
      const n = await sendVoice(talker, { sourceId: 3120001, destinationId: 3100, slot: 2, streamId, superframes: 2 });
      const frames = await waitFrames(listener, streamId, n);
      expect(frames.length).toBe(n);
      for (const f of frames) expect(f.destinationId).toBe(3100);
    }
  }, 90_000);

  test("worker 1 killed: its hotspot is taken over (shared session) or logs in again, without options, and still has its user-activated talkgroup (shared state)", async () => {
    const a = onWorker[0]![0]!; // held by worker 1
    const b = onWorker[1]![0]!; // held by worker 2
    // b listens to TG 3300 statically; a activates it by talking on it (user activation)
    expect((await b.tryLogin({ options: "TS2=3100,3300;" })).ok).toBe(true);
    await sendVoice(a, { sourceId: 3120002, destinationId: 3300, slot: 2, streamId: nextStreamId(), superframes: 1 });
    expect(await callCrosses(b, [a], 3300, 2, 15_000)).toBe(true);
    // the activation reaches the KV through the state journal (store.journal_interval_ms, 100 ms):
    // a node that dies sooner takes it with it (docs/cluster.md, limits). Let it be written first.
    await Bun.sleep(1_000);

    const pid = supervisor.workerPid(1);
    const from = supervisor.lines.length;
    process.kill(pid, "SIGKILL");
    expect(await supervisor.waitForLog((l) => l["worker"] === 1 && String(l["msg"]).startsWith("worker 1 exited unasked"), 10_000, from)).not.toBeNull();
    // a keeps pinging: whichever worker now gets its datagrams takes its shared session over (no
    // login: cluster_workers_sessions.test.ts asserts that), or — when that worker's mirror is not
    // ready yet — NAKs it and a logs in again, with no RPTO. Either way it must find TG 3300 below.
    const attempts = await keepLoggedIn(a);
    console.log(`worker 1 killed: hotspot ${a.options.repeaterId} answered after ${attempts} attempt(s) (1 = taken over without a login)`);
    // the restarted worker's KV must be ready before a hotspot logs in there (one that logs in
    // earlier gets no state back: the restore happens at login)
    expect(await supervisor.waitForLog((l) => l["worker"] === 1 && l["msg"] === "cluster: shared state in JetStream KV ready", 20_000, from)).not.toBeNull();
    // TG 3300 came back from the KV: a call from b on it is heard by a. Like real hotspots, a and b
    // log in again whenever a ping is NAKed (a restarted node can drop a session that just logged in
    // on it when its KV watch replays the other node's older rpt.<id> entry: see the report); a never
    // resends its options nor talks on 3300 again, so hearing 3300 needs the restored activation.
    let crossed = false;
    for (let round = 0; round < 4 && !crossed; round++) {
      await keepLoggedIn(a);
      await keepLoggedIn(b);
      crossed = await callCrosses(b, [a], 3300, 2, 5_000);
    }
    if (!crossed) {
      const ids = [a.options.repeaterId, b.options.repeaterId];
      console.log(supervisor.lines.slice(from).filter((l) => ids.includes(l["repeaterId"] as number) || String(l["msg"]).includes("worker") || String(l["msg"]).startsWith("cluster")).map((l) => JSON.stringify(l)).join("\n"));
    }
    expect(crossed).toBe(true);
  }, 90_000);
});
