/**
 * NATS over TLS from `[cluster]`: a nats-server with a certificate from a throw-away CA (made with
 * openssl at run time in a temp directory); nodes with `tls_ca_file` join and carry calls; a node
 * without the CA does not trust the server and serves its own hotspots. Needs nats-server and
 * openssl (skips without them; fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, startNode } from "./support/cluster_net.ts";

const openssl = Bun.which("openssl");
const withNats = describeWithNats();
const maybe = openssl === null ? describe.skip : withNats;
if (openssl === null && process.env["CI"] === "true") {
  test("openssl is required under CI", () => {
    throw new Error("openssl is not installed");
  });
}
const dir = mkdtempSync(join(tmpdir(), "freedmr-tls-"));
afterAll(async () => {
  await cleanUpCluster();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): void {
  const r = Bun.spawnSync([openssl!, ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr.toString()}`);
}

maybe("NATS over TLS", () => {
  test("nodes trusting the CA join over tls://; a node without it is refused and serves its own hotspots", async () => {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=freedmr test CA"]);
    run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
    run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf"]);
    const nats = await startNatsServer({ args: ["--tls", "--tlscert", join(dir, "server.pem"), "--tlskey", join(dir, "server.key")] });
    const url = `tls://127.0.0.1:${nats.port}`;
    const trust = `tls_ca_file = "${join(dir, "ca.pem")}"`;
    const a = await startNode({ name: "la", servers: [url], clusterExtra: trust });
    const b = await startNode({ name: "lb", servers: [url], clusterExtra: trust });
    const onA = await hotspotOn(a.hbpPort, "TS2=3960;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3960;");
    expect(await callCrosses(onA, [onB], 3960, 2)).toBe(true);
    const untrusting = await startNode({ name: "lu", servers: [url] }, false);
    expect(await untrusting.proc.waitForLog((l) => l["msg"] === "cluster: could not connect to NATS; this node serves its own hotspots alone and keeps trying", 15_000)).not.toBeNull();
    expect(untrusting.proc.lines.some((l) => l["msg"] === "cluster: connected to NATS")).toBe(false);
  }, 45_000);
});
