/**
 * The pure parts of the worker supervisor: `--workers`/`--worker` parsing, the per-worker config
 * overrides (validated through the real config loader), worker command lines, line tagging, the
 * local NATS address, restart back-off.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../src/cli/args.ts";
import { loadConfig, serve } from "../../src/cli/serve.ts";
import { localNatsAddress, nextDelayMs, tagLine, workerArgs } from "../../src/cli/supervisor.ts";

describe("arguments", () => {
  test("--workers N and --worker I/N are serving overrides; bad values are refused with the flag named", () => {
    const ok = parseArgs(["--workers", "4"]);
    expect(ok.ok && ok.command.kind === "serve" && ok.command.overrides.workers).toBe(4);
    const w = parseArgs(["--worker", "2/4"]);
    expect(w.ok && w.command.kind === "serve" && w.command.overrides.worker).toEqual({ index: 2, count: 4 });
    for (const bad of [["--workers", "0"], ["--workers", "x"], ["--worker", "5/4"], ["--worker", "0/2"], ["--worker", "2"]]) {
      const r = parseArgs(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(bad[0]!);
    }
  });
});

describe("per-worker config", () => {
  const dir = mkdtempSync(join(tmpdir(), "freedmr-worker-config-"));
  const file = join(dir, "c.toml");
  writeFileSync(
    file,
    [
      '[server]\nserver_id = 2340\n',
      '[cluster]\nenabled = true\nnode_name = "fra"\nnode_id = 100\n',
      "[http]\nport = 9000\n",
      '[[openbridge]]\nname = "OBP"\nport = 62044\ntarget_address = "127.0.0.1"\ntarget_port = 62045\npassphrase = "x"\nnetwork_id = 1234\n',
    ].join("\n"),
  );

  test("worker 1 keeps the links; every worker shares the port, has its own node and HTTP port, says goodbye on stop", async () => {
    const one = await loadConfig(file, { worker: { index: 1, count: 3 } });
    const three = await loadConfig(file, { worker: { index: 3, count: 3 } });
    if (!one.ok || !three.ok) throw new Error(JSON.stringify([one, three]));
    expect(one.config.hbp.reuse_port).toBe(true);
    expect(three.config.hbp.reuse_port).toBe(true);
    expect([one.config.cluster.node_name, three.config.cluster.node_name]).toEqual(["fra-w1", "fra-w3"]);
    expect([one.config.cluster.node_id, three.config.cluster.node_id]).toEqual([100, 102]);
    expect([one.config.http.port, three.config.http.port]).toEqual([9000, 9002]);
    expect(one.config.cluster.handover_on_stop).toBe(false);
    expect(one.config.openbridge.length).toBe(1);
    expect(three.config.openbridge.length).toBe(0);
    expect(one.config.workers.count).toBe(1); // a worker never supervises
    expect(one.config.cluster.workers).toBe(0); // nor through [cluster] workers
  });

  test("without --worker nothing changes (reuse_port stays off by default)", async () => {
    const plain = await loadConfig(file, {});
    if (!plain.ok) throw new Error(plain.errors.join("\n"));
    expect(plain.config.hbp.reuse_port).toBe(false);
    expect(plain.config.cluster.node_name).toBe("fra");
    expect(plain.config.openbridge.length).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("two ways to ask for workers", () => {
  test("workers.count together with cluster.workers is refused (exit 2, both keys named), before anything starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "freedmr-worker-both-"));
    const file = join(dir, "both.toml");
    writeFileSync(file, '[cluster]\nenabled = true\nworkers = 2\n\n[workers]\ncount = 2\n');
    let err = "";
    let started = false;
    const code = await serve(file, {}, { out: () => {}, err: (t) => void (err += t) }, () => {
      started = true;
      return { stop() {} };
    });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(started).toBe(false);
    expect(err).toContain("workers.count");
    expect(err).toContain("cluster.workers");
  });
});

describe("supervisor helpers", () => {
  test("worker command lines carry the config, the shared port, the log format and the worker index", () => {
    const args = workerArgs("/etc/freedmr.toml", { logLevel: "debug", bindAddresses: ["127.0.0.1"] }, 62031, "json", 2, 4);
    expect(args).toEqual(["--config", "/etc/freedmr.toml", "--port", "62031", "--bind", "127.0.0.1", "--log-level", "debug", "--log-format", "json", "--worker", "2/4"]);
  });

  test("lines are tagged: JSON lines get a field, others become JSON or get a prefix", () => {
    expect(JSON.parse(tagLine('{"level":30,"msg":"hi"}', 2, true))).toEqual({ worker: 2, level: 30, msg: "hi" });
    expect(JSON.parse(tagLine("[123] Server is ready", "nats", true))).toEqual({ worker: "nats", msg: "[123] Server is ready" });
    expect(tagLine("12:00 INFO hi", 3, false)).toBe("[w3] 12:00 INFO hi");
  });

  test("the local nats-server address must be a loopback nats:// URL", () => {
    expect(localNatsAddress("nats://127.0.0.1:4333")).toEqual({ ok: true, host: "127.0.0.1", port: 4333 });
    expect(localNatsAddress("nats://localhost")).toEqual({ ok: true, host: "127.0.0.1", port: 4222 });
    expect(localNatsAddress("nats://10.0.0.1:4222").ok).toBe(false);
    expect(localNatsAddress("tls://127.0.0.1:4222").ok).toBe(false);
  });

  test("restart back-off doubles after short runs, up to the maximum, and resets after a long run", () => {
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) seen.push((d = nextDelayMs(d, 100, 1000, 30_000)));
    expect(seen).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(nextDelayMs(30_000, 60_000, 1000, 30_000)).toBe(1000);
  });
});
