/**
 * One memory measurement for bench/config_memory.bench.ts, in a process of its own:
 *
 *   bun bench/support/memory_probe.ts start KEY=VALUE ...   the whole server started (startFreedmr,
 *                                                            sockets on 127.0.0.1:0) with the config keys set
 *   bun bench/support/memory_probe.ts peers N                N hotspots logged in (HBP master + router)
 *   bun bench/support/memory_probe.ts subscriptions N        N static subscriptions (distinct talkgroups)
 *   bun bench/support/memory_probe.ts subscribers N          N radio ids in the last-heard map
 *
 * Prints one JSON line: heap bytes (JSC heapSize, typed arrays included) and RSS bytes added by the step,
 * each after a full GC.
 * @module
 */
import { heapStats } from "bun:jsc";
import { createHash } from "node:crypto";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { PortKind, type RouterPort } from "../../src/core/router_port.ts";
import { SubscriberMap } from "../../src/core/routing/subscriptions/subscriber_map.ts";
import type { Router } from "../../src/core/routing/types.ts";
import { createLogger } from "../../src/shell/log.ts";
import { assembleServer } from "../../src/shell/server.ts";
import { routingOptionsFromConfig } from "../../src/config/routing_options.ts";
import { createRouter } from "../../src/core/routing/index.ts";
import { readUint32, writeUint32 } from "../../src/wire/dmrd.ts";
import { encodeRptc } from "../../src/wire/rptc.ts";

function measure(): { heap: number; rss: number } {
  Bun.gc(true);
  Bun.gc(true);
  const stats = heapStats();
  if (process.env.PROBE_DEBUG) console.error(JSON.stringify({ heapSize: stats.heapSize, extra: stats.extraMemorySize, objects: stats.objectCount, ...process.memoryUsage() }));
  // heapSize includes typed-array storage (extraMemorySize counts it again)
  return { heap: stats.heapSize, rss: process.memoryUsage().rss };
}

/** The config with `KEY=VALUE` assignments (VALUE is JSON: numbers, booleans, tables, lists), validated with defaults filled in. */
function probeConfig(assignments: readonly string[]): Config {
  const document: Record<string, Record<string, unknown> | unknown> = { hbp: { bind_addresses: ["127.0.0.1"], port: 0 }, log: { level: "silent" } };
  for (const assignment of assignments) {
    const at = assignment.indexOf("=");
    const parts = assignment.slice(0, at).split(".");
    let node = document as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = JSON.parse(assignment.slice(at + 1));
  }
  // the probe measures limits beyond this machine's sanity check too
  const result = validateConfig(document, { totalMemoryBytes: Number.MAX_SAFE_INTEGER });
  if (!result.ok) throw new Error(`probe config invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

const enc = new TextEncoder();
function message(tag: string, id: number, extra = 0): Uint8Array {
  const out = new Uint8Array(tag.length + 4 + extra);
  out.set(enc.encode(tag), 0);
  writeUint32(out, tag.length, id);
  return out;
}

const [mode, ...args] = process.argv.slice(2);
const log = createLogger({ level: "silent", format: "json" });
const keep: unknown[] = [];
let result: { heap: number; rss: number };

if (mode === "start") {
  const config = probeConfig(args);
  const before = measure();
  const server = await startFreedmr(config, log, { withoutEventLog: true, statsIntervalMs: 3_600_000 });
  const after = measure();
  result = { heap: after.heap - before.heap, rss: after.rss - before.rss };
  await server.stop("probe");
} else {
  const n = Number(args[0]);
  const config = probeConfig([
    `hbp.max_peers=${Math.max(20_000, n + 16)}`,
    "hbp.login_rate_limit_per_minute=0",
    `routing.max_subscriptions=${Math.max(262_144, n + 16)}`,
  ]);
  // The core alone (no sockets): the HBP master with the routing core, driven with datagrams.
  const { deps, router, hbp } = assembleServer(config, { seed: 1, createRouter: (d) => createRouter(routingOptionsFromConfig(config), d) });
  const now = 1_000;
  const outbox = deps.outbox;
  const salt = (id: number): number => {
    for (let i = outbox.count - 1; i >= 0; i--) {
      const bytes = outbox.buffers[i]!;
      if (outbox.lengths[i] === 10 && bytes[0] === 0x52 && bytes[3] === 0x41) return readUint32(bytes, 6);
    }
    throw new Error(`no RPTACK with a salt for ${id}`);
  };
  const loginOne = (id: number): void => {
    const port = 10_000 + (id % 50_000);
    const address = `10.${(id >>> 16) & 255}.${(id >>> 8) & 255}.${id & 255}`;
    hbp!.onDatagram(now, 0, address, port, message("RPTL", id));
    const saltBytes = new Uint8Array(4);
    writeUint32(saltBytes, 0, salt(id));
    outbox.clear();
    const rptk = message("RPTK", id, 32);
    rptk.set(createHash("sha256").update(saltBytes).update(enc.encode(config.hbp.passphrase)).digest(), 8);
    hbp!.onDatagram(now, 0, address, port, rptk);
    hbp!.onDatagram(now, 0, address, port, encodeRptc({ repeaterId: id, callsign: `N${id % 100000}` }));
    outbox.clear();
  };
  keep.push(router, hbp);

  if (mode === "peers") {
    loginOne(1_000_000);
    const before = measure();
    for (let i = 1; i <= n; i++) loginOne(1_000_000 + i);
    const after = measure();
    if (hbp!.stats(now).sessions !== n + 1) throw new Error(`only ${hbp!.stats(now).sessions} sessions`);
    result = { heap: after.heap - before.heap, rss: after.rss - before.rss };
  } else if (mode === "subscriptions") {
    const tx = new Uint8Array(55);
    const port: RouterPort = {
      portIndex: 0,
      kind: PortKind.Hotspot,
      name: "probe",
      repeaterId: 2_000_000,
      simplex: false,
      callsign: "PROBE",
      accessRule: null,
      txBuffer: () => tx,
      emit: () => {},
    };
    const r = router as Router;
    r.onPortUp(now, port);
    const before = measure();
    let added = 0;
    for (let tg = 100; added < n; tg++) if (r.subscribe(now, port, 1, tg, "static")) added++;
    const after = measure();
    if (r.subscriptions(port).length !== n) throw new Error(`port holds ${r.subscriptions(port).length} of ${n} subscriptions`);
    result = { heap: after.heap - before.heap, rss: after.rss - before.rss };
  } else if (mode === "subscribers") {
    const map = new SubscriberMap(n, 86_400_000);
    keep.push(map);
    const fakePort = {} as RouterPort;
    map.learn(now, 1, fakePort, 1);
    const before = measure();
    for (let i = 2; i <= n; i++) map.learn(now, 1_000_000 + i, fakePort, 1);
    const after = measure();
    // (reading the map after the loop also keeps the JIT from treating the learns as dead)
    if (map.size !== n) throw new Error(`map holds ${map.size} of ${n}`);
    result = { heap: after.heap - before.heap, rss: after.rss - before.rss };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
console.log(JSON.stringify(result));
process.exit(0);
