/**
 * Shared HBP sessions with workers on one host ([cluster] workers = 2, SO_REUSEPORT): 40 hotspots
 * spread over the two workers; worker 1 is killed with SIGKILL and restarted by the supervisor,
 * which changes the kernel's choice of socket for hotspots of both workers. Every hotspot's next
 * keepalive is answered MSTPONG by whichever worker now receives it — the survivor's hotspots and
 * the killed worker's — without a single MSTNAK or login, and calls still reach all of them.
 * Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, expect, test } from "bun:test";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { serverToml, spawnServer } from "../core/federation/support/processes.ts";
import { freePorts } from "../core/federation/support/e2e.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn } from "./support/cluster_net.ts";

const maybe = describeWithNats();
const HOTSPOTS = 40;

afterAll(cleanUpCluster);

/** nats-server and a freedmr host of two workers sharing HBP sessions, once both say their sessions are shared. */
async function startTwoWorkers(name: string, nodeName: string, serverId: number) {
  const nats = await startNatsServer();
  const [hbpPort] = await freePorts(1);
  const toml = `${serverToml(serverId, hbpPort!, [])}\n[http]\nenabled = false\n[cluster]\nenabled = true\nnode_name = "${nodeName}"\nworkers = 2\nservers = ["${nats.url}"]\ninterest_linger_seconds = 1\n`;
  const supervisor = await spawnServer(name, toml, 2);
  /** "sessions shared" lines so far: one per worker start */
  const shared = (): number => supervisor.lines.filter((l) => l["msg"] === "cluster: HBP sessions shared (hotspots move between nodes without a new login)").length;
  for (const deadline = performance.now() + 10_000; shared() < 2 && performance.now() < deadline; ) await Bun.sleep(50);
  expect(shared()).toBe(2);
  return { nats, hbpPort: hbpPort!, supervisor, shared };
}

maybe("shared HBP sessions across workers", () => {
  test("a worker killed and restarted costs no hotspot a login: the survivor's and its own are taken over where the kernel now sends them", async () => {
    const { nats, hbpPort, supervisor, shared } = await startTwoWorkers("workers-sessions", "wsh", 2340);

    const hotspots: HbpClient[] = [];
    for (let i = 0; i < HOTSPOTS; i++) hotspots.push(await hotspotOn(hbpPort, "TS2=3710;"));
    const nc = await connect({ servers: nats.url });
    const kv = await new Kvm(nc).open("freedmr_state");
    const recordOf = async (h: HbpClient): Promise<{ name: string; i: number } | null> => {
      const entry = await kv.get(`sess.${h.repeaterId}`);
      return entry !== null && entry.operation === "PUT" ? entry.json<{ name: string; i: number }>() : null;
    };
    const workerOf = async (h: HbpClient): Promise<string> => (await recordOf(h))?.name ?? "";
    let placed: string[] = [];
    for (const until = performance.now() + 5000; performance.now() < until; await Bun.sleep(50)) {
      placed = await Promise.all(hotspots.map(workerOf));
      if (placed.every((p) => p !== "")) break;
    }
    expect(new Set(placed)).toEqual(new Set(["wsh-w1", "wsh-w2"]));
    const onKilled = hotspots.filter((_, i) => placed[i] === "wsh-w1");
    const onSurvivor = hotspots.filter((_, i) => placed[i] === "wsh-w2");
    await HbpClient.settle(300); // each worker's mirror has every record
    const before = await Promise.all(hotspots.map(recordOf));

    // kill worker 1 (with two workers, its restart swaps the kernel's sockets: hotspots change worker)
    const started = supervisor.lines.filter((l) => /^worker 1 started \(pid \d+\)$/.test(String(l["msg"])));
    process.kill(Number(started[started.length - 1]!["pid"]), "SIGKILL");
    expect(await supervisor.waitForLog((l) => String(l["msg"]).startsWith("worker 1 exited unasked") && l["worker"] === 1, 5000)).not.toBeNull();
    for (const deadline = performance.now() + 15_000; shared() < 3 && performance.now() < deadline; ) await Bun.sleep(50);
    expect(shared()).toBe(3);
    await HbpClient.settle(1000); // the restarted worker's mirror has caught up with the KV

    const from = hotspots.map((h) => h.received.length);
    const answered = await Promise.all(hotspots.map((h) => h.ping(3000)));
    const naked = hotspots.map((h, i) => h.received.some((r, j) => j >= from[i]! && r.tag === "MSTNAK"));
    const survivorNaks = onSurvivor.filter((h) => naked[hotspots.indexOf(h)]).length;
    const killedNaks = onKilled.filter((h) => naked[hotspots.indexOf(h)]).length;
    const takenOverLines = (): number => supervisor.lines.filter((l) => l["msg"] === "cluster: hotspot session taken over without a login").length;
    // (the workers' log lines reach us through the supervisor a moment later)
    for (const deadline = performance.now() + 5000; takenOverLines() < onKilled.length && performance.now() < deadline; ) await Bun.sleep(50);
    await HbpClient.settle(300);
    const takenOver = takenOverLines();
    console.log(`workers: ${onSurvivor.length} hotspots on the survivor, ${onKilled.length} on the killed worker; NAKed after the restart: ${survivorNaks} + ${killedNaks}; sessions taken over: ${takenOver}`);
    expect(survivorNaks).toBe(0);
    expect(killedNaks).toBe(0);
    expect(answered.every((a) => a)).toBe(true);
    // the killed worker's hotspots were taken over (by its restarted self or the survivor): each
    // one's shared session is now held by another process (owner or incarnation changed), with no login
    expect(takenOver).toBeGreaterThan(0); // (logged one by one up to 20 per worker and 10 s)
    const after = await Promise.all(hotspots.map(recordOf));
    for (const h of onKilled) {
      const i = hotspots.indexOf(h);
      expect(after[i] !== null && (after[i]!.name !== before[i]!.name || after[i]!.i !== before[i]!.i)).toBe(true);
    }
    // where each one is now, per the KV: spread over the two workers again
    await HbpClient.settle(300);
    const now = await Promise.all(hotspots.map(workerOf));
    expect(now.every((n) => n === "wsh-w1" || n === "wsh-w2")).toBe(true);
    // and they hear calls as before, from either worker
    expect(await callCrosses(hotspots[0]!, hotspots.slice(1), 3710, 2, 20_000)).toBe(true);
    // still no login and no NAK anywhere after the restart
    expect(hotspots.every((h, i) => !h.received.some((r, j) => j >= from[i]! && r.tag === "MSTNAK"))).toBe(true);
    // stopping the host says goodbye (MSTCL; workers never hand over to each other): the sessions end, their records go
    await supervisor.kill("SIGTERM");
    expect(hotspots.every((h) => h.received.some((r) => r.tag === "MSTCL"))).toBe(true);
    expect((await Promise.all(hotspots.map(recordOf))).filter((r) => r !== null)).toEqual([]);
    await nc.close();
  }, 120_000);

  test("hotspots pinging right through a worker's restart are never NAKed: the restarted worker holds them until its copy of the sessions has loaded, then takes them over", async () => {
    const { hbpPort, supervisor, shared } = await startTwoWorkers("workers-restart-hold", "wsr", 2341);
    const hotspots: HbpClient[] = [];
    for (let i = 0; i < HOTSPOTS; i++) hotspots.push(await hotspotOn(hbpPort, "TS2=3711;"));
    await HbpClient.settle(300); // each worker's mirror has every record

    // every hotspot pings every 25 ms from before the kill until well after the restart: some of
    // those pings reach the restarted worker in the moment between its socket opening and its
    // mirror loading (without the hold, each of those was answered MSTNAK: a new login)
    const from = hotspots.map((h) => h.received.length);
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        for (const h of hotspots) h.sendPing();
        await Bun.sleep(25);
      }
    })();
    const started = supervisor.lines.filter((l) => /^worker 1 started \(pid \d+\)$/.test(String(l["msg"])));
    process.kill(Number(started[started.length - 1]!["pid"]), "SIGKILL");
    expect(await supervisor.waitForLog((l) => String(l["msg"]).startsWith("worker 1 exited unasked") && l["worker"] === 1, 5000)).not.toBeNull();
    for (const deadline = performance.now() + 15_000; shared() < 3 && performance.now() < deadline; ) await Bun.sleep(20);
    expect(shared()).toBe(3);
    const sharedAt = hotspots.map((h) => h.received.length);
    await Bun.sleep(1500);
    pinging = false;
    await pinger;
    await HbpClient.settle(200);
    const naked = hotspots.filter((h, i) => h.received.some((r, j) => j >= from[i]! && r.tag === "MSTNAK")).length;
    const pongedAfter = hotspots.filter((h, i) => h.received.some((r, j) => j >= sharedAt[i]! && r.tag === "MSTPONG")).length;
    console.log(`restart under pings: ${naked} of ${HOTSPOTS} hotspots NAKed, ${pongedAfter} answered after the restarted worker's sessions loaded`);
    expect(naked).toBe(0);
    expect(pongedAfter).toBe(HOTSPOTS);
    // and calls still reach all of them, from either worker
    expect(await callCrosses(hotspots[0]!, hotspots.slice(1), 3711, 2, 20_000)).toBe(true);
    await supervisor.kill("SIGTERM");
  }, 120_000);
});
