/**
 * Several freedmr processes on one host ([cluster] workers = 2): the supervisor starts two workers
 * sharing the HBP port with SO_REUSEPORT (the kernel spreads the hotspots over them and keeps each
 * hotspot on one), joined through a real nats-server: a call from any hotspot reaches the hotspots
 * on both workers; a worker killed with SIGKILL is restarted by the supervisor and its hotspots are
 * answered (their sessions are shared) and heard. Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { serverToml, spawnServer } from "../core/federation/support/processes.ts";
import { freePorts } from "../core/federation/support/e2e.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn } from "./support/cluster_net.ts";

const maybe = describeWithNats();

afterAll(cleanUpCluster);

maybe("cluster workers on one host (SO_REUSEPORT)", () => {
  test("two workers share the HBP port; calls reach hotspots on both; a crashed worker is restarted and its hotspots come back without a login", async () => {
    const nats = await startNatsServer();
    const [hbpPort] = await freePorts(1);
    const toml = `${serverToml(2340, hbpPort!, [])}\n[http]\nenabled = false\n[cluster]\nenabled = true\nnode_name = "host"\nworkers = 2\nservers = ["${nats.url}"]\ninterest_linger_seconds = 1\n`;
    const supervisor = await spawnServer("workers", toml, 2);
    const ready = (): number => supervisor.lines.filter((l) => l["msg"] === "cluster: shared state in JetStream KV ready").length;
    const shared = (): number => supervisor.lines.filter((l) => l["msg"] === "cluster: HBP sessions shared (hotspots move between nodes without a new login)").length;
    const deadline = performance.now() + 10_000;
    while (ready() < 2 && performance.now() < deadline) await Bun.sleep(50);
    expect(ready()).toBe(2);

    const hotspots: HbpClient[] = [];
    for (let i = 0; i < 16; i++) hotspots.push(await hotspotOn(hbpPort!, "TS2=3700;"));
    // where each hotspot landed: the cluster's record of its login
    const nc = await connect({ servers: nats.url });
    const kv = await new Kvm(nc).open("freedmr_state");
    const workerOf = async (h: HbpClient): Promise<string> => (await kv.get(`rpt.${h.repeaterId}`))?.json<{ name: string }>()?.name ?? "";
    // (written asynchronously after each login)
    let placed: string[] = [];
    for (const until = performance.now() + 5000; performance.now() < until; await Bun.sleep(50)) {
      placed = await Promise.all(hotspots.map(workerOf));
      if (placed.every((p) => p !== "")) break;
    }
    expect(new Set(placed)).toEqual(new Set(["host-w1", "host-w2"]));

    // a call from a hotspot on w1 reaches every other hotspot, on both workers
    const fromW1 = hotspots[placed.indexOf("host-w1")]!;
    expect(await callCrosses(fromW1, hotspots.filter((h) => h !== fromW1), 3700, 2, 15_000)).toBe(true);

    // kill worker 2; the supervisor restarts it
    const started = supervisor.lines.filter((l) => /^worker 2 started \(pid \d+\)$/.test(String(l["msg"])));
    const pid = Number(started[started.length - 1]!["pid"]);
    process.kill(pid, "SIGKILL");
    expect(await supervisor.waitForLog((l) => String(l["msg"]).startsWith("worker 2 exited unasked") && l["worker"] === 2, 5000)).not.toBeNull();
    const again = performance.now() + 15_000;
    // the restarted worker's mirror holds the shared sessions once it says they are shared
    while ((ready() < 3 || shared() < 3) && performance.now() < again) await Bun.sleep(50);
    expect(ready()).toBe(3);
    expect(shared()).toBe(3);

    // hotspots the kernel now gives to a worker that does not know them are taken over there
    // (shared sessions, cluster_workers_sessions.test.ts): none has to log in again
    let relogins = 0;
    for (const h of hotspots) {
      if (await h.ping(1000)) continue;
      relogins++;
      await h.login({ options: "TS2=3700;" });
    }
    expect(relogins).toBe(0);
    expect(await callCrosses(hotspots[0]!, hotspots.slice(1), 3700, 2, 15_000)).toBe(true);
    await nc.close();
    // stopping the host: every worker says goodbye (workers of one host never hand over to each other)
    await supervisor.kill("SIGTERM");
    expect(supervisor.lines.some((l) => l["msg"] === "stopping the workers")).toBe(true);
    await HbpClient.settle(300);
    expect(hotspots.every((h) => h.received.some((r) => r.tag === "MSTCL"))).toBe(true);
    expect(supervisor.lines.some((l) => l["msg"] === "cluster: other nodes are alive; handing the hotspots over without MSTCL")).toBe(false);
  }, 90_000);

  test("a supervisor killed with SIGKILL leaves no worker behind", async () => {
    const nats = await startNatsServer();
    const [hbpPort] = await freePorts(1);
    const toml = `${serverToml(2340, hbpPort!, [])}\n[http]\nenabled = false\n[cluster]\nenabled = true\nnode_name = "orphan"\nworkers = 2\nservers = ["${nats.url}"]\n`;
    const supervisor = await spawnServer("workers-kill", toml, 2);
    const pids = supervisor.lines.filter((l) => /^worker \d+ started \(pid \d+\)$/.test(String(l["msg"]))).map((l) => Number(l["pid"]));
    expect(pids.length).toBe(2);
    // running (an exited worker not yet reaped by whoever adopted it is a zombie: not running)
    const alive = (pid: number): boolean => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
      } catch {
        return false;
      }
    };
    expect(pids.every(alive)).toBe(true);
    await supervisor.kill("SIGKILL");
    const deadline = performance.now() + 10_000;
    while (pids.some(alive) && performance.now() < deadline) await Bun.sleep(50);
    expect(pids.some(alive)).toBe(false);
  }, 30_000);
});
