/**
 * NATS NKey and JWT (.creds) authentication with a real nats-server: a node with the right key or
 * credentials joins (a call crosses); a wrong seed, credentials of an account the server does not
 * trust, or expired credentials are refused: the node says why and serves its own hotspots. A seed
 * or creds file that cannot be read, or does not hold a seed, is a config error naming the key
 * (exit 2). Needs nats-server (skips without it; fails under CI=true). Keys and JWTs are made at
 * run time (@nats-io/jwt).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { HbpClient } from "../support/hbp_client.ts";
import { entryPoint } from "../core/federation/support/processes.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { authFile, nkeyUser, operatorChain, removeAuthFiles } from "./support/nats_auth.ts";
import { callCrosses, cleanUpCluster, clusterToml, framesOf, hotspotOn, nextStreamId, sendVoice, startNode, waitFrames, type ClusterNodeProcess } from "./support/cluster_net.ts";

const maybe = describeWithNats();
afterAll(async () => {
  await cleanUpCluster();
  removeAuthFiles();
});

const REFUSED = "cluster: could not connect to NATS; this node serves its own hotspots alone and keeps trying";

/** The node was refused (its log says so, naming an authorization problem), never joined, and still serves its own hotspots alone. */
async function refusedButServing(node: ClusterNodeProcess, others: HbpClient[], talkgroupId: number): Promise<void> {
  const refused = await node.proc.waitForLog((l) => l["msg"] === REFUSED, 10_000);
  expect(refused).not.toBeNull();
  expect(JSON.stringify(refused).toLowerCase()).toMatch(/authori[sz]ation|authentication|expired/);
  const t1 = await hotspotOn(node.hbpPort, `TS2=${talkgroupId};`);
  const t2 = await hotspotOn(node.hbpPort, `TS2=${talkgroupId};`);
  const streamId = nextStreamId();
  const n = await sendVoice(t1, { sourceId: 3120950, destinationId: talkgroupId, slot: 2, streamId, superframes: 1 });
  expect((await waitFrames(t2, streamId, n)).length).toBe(n);
  await HbpClient.settle(300);
  let elsewhere = 0;
  for (const o of others) elsewhere += framesOf(o, streamId).length;
  expect(elsewhere).toBe(0);
  expect(node.proc.lines.some((l) => l["msg"] === "cluster: connected to NATS")).toBe(false);
}

maybe("NATS NKey and JWT authentication", () => {
  test("NKey: the right seed joins; a seed the server does not know is refused, logged, and the node serves its own hotspots", async () => {
    const allowed = nkeyUser();
    const stranger = nkeyUser();
    const conf = authFile("nkey-server.conf", `authorization { users = [ { nkey: ${allowed.publicKey} } ] }\n`);
    const nats = await startNatsServer({ args: ["-c", conf] });
    const seedFile = authFile("allowed.nk", `${allowed.seed}\n`);
    const wrongSeed = authFile("stranger.nk", stranger.seed);
    const a = await startNode({ name: "ka", servers: [nats.url], clusterExtra: `nkey_seed_file = "${seedFile}"` });
    const b = await startNode({ name: "kb", servers: [nats.url], clusterExtra: `nkey_seed_file = "${seedFile}"` });
    const wrong = await startNode({ name: "kw", servers: [nats.url], clusterExtra: `nkey_seed_file = "${wrongSeed}"` }, false);
    const onA = await hotspotOn(a.hbpPort, "TS2=3960;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3960;");
    expect(await callCrosses(onA, [onB], 3960, 2)).toBe(true);
    await refusedButServing(wrong, [onA, onB], 3960);
  }, 60_000);

  test("creds (JWT, operator mode): valid credentials join; credentials of an untrusted account or expired ones are refused and logged", async () => {
    const chain = await operatorChain();
    const conf = authFile("operator-server.conf", chain.serverConfig);
    const nats = await startNatsServer({ args: ["-c", conf] });
    const good = authFile("node.creds", await chain.creds("node"));
    const expired = authFile("expired.creds", await chain.creds("old-node", { expiresAtSeconds: Math.floor(Date.now() / 1000) - 3600 }));
    const foreign = authFile("foreign.creds", await (await operatorChain()).creds("foreign-node"));
    const a = await startNode({ name: "ja", servers: [nats.url], clusterExtra: `creds_file = "${good}"` });
    const b = await startNode({ name: "jb", servers: [nats.url], clusterExtra: `creds_file = "${good}"` });
    const old = await startNode({ name: "jx", servers: [nats.url], clusterExtra: `creds_file = "${expired}"` }, false);
    const alien = await startNode({ name: "jf", servers: [nats.url], clusterExtra: `creds_file = "${foreign}"` }, false);
    const onA = await hotspotOn(a.hbpPort, "TS2=3961;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3961;");
    expect(await callCrosses(onA, [onB], 3961, 2)).toBe(true);
    await refusedButServing(old, [onA, onB], 3961);
    await refusedButServing(alien, [onA, onB], 3961);
    // the server refused exactly those two clients (by their connection names) for their credentials
    const authErrors = nats.log.filter((l) => l.includes("authentication error"));
    expect(authErrors.some((l) => l.includes("freedmr:jx"))).toBe(true);
    expect(authErrors.some((l) => l.includes("freedmr:jf"))).toBe(true);
    expect(authErrors.some((l) => l.includes("freedmr:ja") || l.includes("freedmr:jb"))).toBe(false);
  }, 90_000);
});

describe("[cluster] credential files are checked at start", () => {
  let configs = 0;
  async function startWith(clusterExtra: string): Promise<{ exitCode: number; stderr: string }> {
    const toml = clusterToml({ name: "bad", servers: ["nats://127.0.0.1:1"], clusterExtra }, 0);
    const path = authFile(`bad-${++configs}.toml`, toml);
    const proc = Bun.spawn([process.execPath, entryPoint(), "--config", path], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr as ReadableStream).text()]);
    clearTimeout(killer);
    return { exitCode, stderr };
  }

  test("a missing or malformed NKey seed file exits 2 naming cluster.nkey_seed_file", async () => {
    const missing = await startWith('nkey_seed_file = "/nonexistent/freedmr/seed.nk"');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("cluster.nkey_seed_file");
    expect(missing.stderr).toContain("ENOENT");
    const garbage = await startWith(`nkey_seed_file = "${authFile("garbage.nk", "not a seed at all\n")}"`);
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stderr).toContain("cluster.nkey_seed_file");
    expect(garbage.stderr).toContain("NKey user seed");
    // a public key where the seed belongs is refused too
    const publicKey = await startWith(`nkey_seed_file = "${authFile("public.nk", nkeyUser().publicKey)}"`);
    expect(publicKey.exitCode).toBe(2);
  }, 60_000);

  test("an unreadable or malformed creds file exits 2 naming cluster.creds_file", async () => {
    const chain = await operatorChain();
    const unreadable = authFile("unreadable.creds", await chain.creds("u"));
    chmodSync(unreadable, 0o000);
    const runningAsRoot = process.getuid?.() === 0; // root reads a 000 file: test a missing one instead
    const first = await startWith(`creds_file = "${runningAsRoot ? "/nonexistent/freedmr/node.creds" : unreadable}"`);
    expect(first.exitCode).toBe(2);
    expect(first.stderr).toContain("cluster.creds_file");
    expect(first.stderr).toMatch(runningAsRoot ? /ENOENT/ : /EACCES/);
    const seedOnly = await startWith(`creds_file = "${authFile("seed-only.creds", nkeyUser().seed)}"`);
    expect(seedOnly.exitCode).toBe(2);
    expect(seedOnly.stderr).toContain("cluster.creds_file");
    expect(seedOnly.stderr).toContain("NATS USER JWT");
  }, 60_000);
});
