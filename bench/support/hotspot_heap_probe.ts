/**
 * Where the bytes of a connected hotspot go (issue 14), in a process of its own:
 *
 *   bun bench/support/hotspot_heap_probe.ts core N [--top 30]   N hotspots logged in to the core (HBP
 *                                                                master + router, no sockets) with
 *                                                                RPTL/RPTK/RPTC/RPTO + a ping, as
 *                                                                bench/memory.bench.ts's hotspots do
 *   bun bench/support/hotspot_heap_probe.ts full N [--top 30]   the whole server (startFreedmr, Worker
 *                                                                off, 127.0.0.1:0) and N hotspots over
 *                                                                real UDP from bench/support/idle_hotspots.ts
 *
 * Prints live heap bytes per hotspot (JSC heapSize after a full GC, typed-array storage included),
 * RSS per hotspot, and the JSC object types whose count grew, per hotspot, largest first.
 * @module
 */
import { heapStats } from "bun:jsc";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import { routingOptionsFromConfig } from "../../src/config/routing_options.ts";
import { createRouter } from "../../src/core/routing/index.ts";
import { createLogger } from "../../src/shell/log.ts";
import { assembleServer } from "../../src/shell/server.ts";
import { readUint32, writeUint32 } from "../../src/wire/dmrd.ts";
import { encodeRptc } from "../../src/wire/rptc.ts";

interface Snapshot {
  heap: number;
  capacity: number;
  rss: number;
  objects: number;
  types: Record<string, number>;
}

function snapshot(): Snapshot {
  Bun.gc(true);
  Bun.gc(true);
  const stats = heapStats();
  return { heap: stats.heapSize, capacity: stats.heapCapacity, rss: process.memoryUsage().rss, objects: stats.objectCount, types: { ...stats.objectTypeCounts } };
}

/** Heap snapshot (JSC format) aggregated by class name: count and bytes. */
function classSizes(): Map<string, { count: number; bytes: number }> {
  Bun.gc(true);
  const snap = Bun.generateHeapSnapshot() as unknown as { nodes: number[]; nodeClassNames: string[] };
  const out = new Map<string, { count: number; bytes: number }>();
  // JSC snapshot nodes: [id, size, classNameIndex, flags, (labelIndex, cellAddress, wrappedAddress)?]
  const fields = (snap as unknown as { type?: string; version?: number }).version === 2 ? 7 : 4;
  for (let i = 0; i < snap.nodes.length; i += fields) {
    const name = snap.nodeClassNames[snap.nodes[i + 2]!]!;
    const row = out.get(name) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += snap.nodes[i + 1]!;
    out.set(name, row);
  }
  return out;
}

function reportClasses(before: Map<string, { count: number; bytes: number }>, after: Map<string, { count: number; bytes: number }>, n: number, top: number): void {
  const rows = [...after.entries()]
    .map(([name, a]) => ({ name, count: (a.count - (before.get(name)?.count ?? 0)) / n, bytes: (a.bytes - (before.get(name)?.bytes ?? 0)) / n }))
    .filter((r) => Math.abs(r.bytes) >= 1)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
  let total = 0;
  for (const r of rows) total += r.bytes;
  console.log(`  by class (heap snapshot): ${total.toFixed(0)} B/hotspot in the top ${rows.length}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(36)} ${r.count.toFixed(2).padStart(8)} × ${(r.bytes / (r.count || 1)).toFixed(0).padStart(5)} B = ${r.bytes.toFixed(0).padStart(6)} B`);
}

/** Who holds the strings, arrays and butterflies: (holder class).(edge name), most common first. */
function printOwners(top: number): void {
  const snap = Bun.generateHeapSnapshot() as unknown as { nodes: number[]; nodeClassNames: string[]; edges: number[]; edgeNames: string[] };
  const classOf = new Map<number, string>();
  const sizeOf = new Map<number, number>();
  for (let i = 0; i < snap.nodes.length; i += 4) {
    classOf.set(snap.nodes[i]!, snap.nodeClassNames[snap.nodes[i + 2]!]!);
    sizeOf.set(snap.nodes[i]!, snap.nodes[i + 1]!);
  }
  const rows = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.edges.length; i += 4) {
    const to = classOf.get(snap.edges[i + 1]!);
    if (to !== "string" && to !== "Array" && to !== "Cell Butterfly") continue;
    const key = `${to} ← ${classOf.get(snap.edges[i]!)}.${snap.edgeNames[snap.edges[i + 3]!] ?? "?"}`;
    const row = rows.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += sizeOf.get(snap.edges[i + 1]!) ?? 0;
    rows.set(key, row);
  }
  for (const [key, row] of [...rows.entries()].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top)) console.log(`  ${String(row.count).padStart(7)} ${String(row.bytes).padStart(10)} B  ${key}`);
  // the big Maps and Sets: storage size and who holds them
  const holders = new Map<number, string[]>();
  for (let i = 0; i < snap.edges.length; i += 4) {
    const to = snap.edges[i + 1]!;
    const cls = classOf.get(to);
    if (cls !== "Map" && cls !== "Set") continue;
    const list = holders.get(to) ?? [];
    list.push(`${classOf.get(snap.edges[i]!)}.${snap.edgeNames[snap.edges[i + 3]!] ?? "?"}`);
    holders.set(to, list);
  }
  const big: string[] = [];
  for (let i = 0; i < snap.edges.length; i += 4) {
    const from = snap.edges[i]!;
    const cls = classOf.get(from);
    if ((cls !== "Map" && cls !== "Set") || classOf.get(snap.edges[i + 1]!) !== "Cell Butterfly") continue;
    const bytes = sizeOf.get(snap.edges[i + 1]!) ?? 0;
    if (bytes >= 64 * 1024) big.push(`  ${cls} storage ${bytes} B held by ${(holders.get(from) ?? []).slice(0, 3).join(", ")}`);
  }
  console.log(big.join("\n"));
  // the big typed-array stores: size and who holds them (holder class.edge ← holder's holder)
  const parents = new Map<number, string[]>();
  for (let i = 0; i < snap.edges.length; i += 4) {
    const list = parents.get(snap.edges[i + 1]!) ?? [];
    list.push(`${classOf.get(snap.edges[i]!)}.${snap.edgeNames[snap.edges[i + 3]!] ?? "?"}`);
    parents.set(snap.edges[i + 1]!, list);
  }
  for (const [id, cls] of classOf) {
    if (!cls.endsWith("Array") && cls !== "ArrayBuffer") continue;
    const bytes = sizeOf.get(id) ?? 0;
    if (bytes >= 64 * 1024) console.log(`  ${cls} ${bytes} B held by ${(parents.get(id) ?? []).slice(0, 3).join(", ")}`);
  }
}

function report(label: string, before: Snapshot, after: Snapshot, n: number, top: number): void {
  console.log(`${label}: ${n} hotspots: heap ${((after.heap - before.heap) / n).toFixed(0)} B/hotspot (heap capacity ${((after.capacity - before.capacity) / n).toFixed(0)}), RSS ${((after.rss - before.rss) / n).toFixed(0)} B/hotspot, objects ${((after.objects - before.objects) / n).toFixed(2)}/hotspot`);
  const rows = Object.keys({ ...before.types, ...after.types })
    .map((type) => ({ type, per: ((after.types[type] ?? 0) - (before.types[type] ?? 0)) / n }))
    .filter((r) => Math.abs(r.per) >= 0.05)
    .sort((a, b) => b.per - a.per)
    .slice(0, top);
  for (const r of rows) console.log(`  ${r.type.padEnd(36)} ${r.per.toFixed(2).padStart(8)}`);
}

function probeConfig(n: number): ReturnType<typeof validateConfig> {
  return validateConfig(
    {
      hbp: { bind_addresses: ["127.0.0.1"], port: 0, max_peers: Math.max(20_000, n + 16), login_rate_limit_per_minute: 0, passphrase: "passw0rd" },
      http: { enabled: false },
      log: { level: "silent" },
    },
    { totalMemoryBytes: Number.MAX_SAFE_INTEGER },
  );
}

/** N idle hotspots logged in over real UDP (bench/support/idle_hotspots.ts), once all are in. */
async function idleHotspots(port: number, count: number): Promise<ReturnType<typeof Bun.spawn<"pipe", "pipe", "inherit">>> {
  const generator = Bun.spawn([process.execPath, join(import.meta.dir, "idle_hotspots.ts"), "--port", String(port), "--count", String(count), "--first-id", "3100000"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = generator.stdout.getReader();
  let text = "";
  while (!text.includes("READY")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`generator exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return generator;
}

const argv = process.argv.slice(2);
const [mode, countText] = argv;
const n = Number(countText ?? "10000");
const topAt = argv.indexOf("--top");
const top = topAt >= 0 ? Number(argv[topAt + 1]) : 30;
const parsed = probeConfig(n);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;
const enc = new TextEncoder();

function message(tag: string, id: number, extra: Uint8Array | number = 0): Uint8Array {
  const tail = typeof extra === "number" ? new Uint8Array(extra) : extra;
  const out = new Uint8Array(tag.length + 4 + tail.length);
  out.set(enc.encode(tag), 0);
  writeUint32(out, tag.length, id);
  out.set(tail, tag.length + 4);
  return out;
}

if (mode === "core") {
  const { deps, router, hbp } = assembleServer(config, { seed: 1, createRouter: (d) => createRouter(routingOptionsFromConfig(config), d) });
  const outbox = deps.outbox;
  const now = 1_000;
  const salt = (): number => {
    for (let i = outbox.count - 1; i >= 0; i--) {
      const bytes = outbox.buffers[i]!;
      if (outbox.lengths[i] === 10 && bytes[0] === 0x52 && bytes[3] === 0x41) return readUint32(bytes, 6);
    }
    throw new Error("no RPTACK with a salt");
  };
  const loginOne = (i: number): void => {
    const id = 3_100_000 + i;
    const port = 10_000 + (i % 50_000);
    const address = "127.0.0.1";
    hbp!.onDatagram(now, 0, address, port, message("RPTL", id));
    const saltBytes = new Uint8Array(4);
    writeUint32(saltBytes, 0, salt());
    outbox.clear();
    const rptk = message("RPTK", id, 32);
    rptk.set(createHash("sha256").update(saltBytes).update(enc.encode(config.hbp.passphrase)).digest(), 8);
    hbp!.onDatagram(now, 0, address, port, rptk);
    hbp!.onDatagram(now, 0, address, port, encodeRptc({ repeaterId: id, callsign: `ID${i}`, slots: "3" }));
    hbp!.onDatagram(now, 0, address, port, message("RPTO", id, enc.encode(`TS1=${20_000 + (i % 100)};`)));
    hbp!.onDatagram(now, 0, address, port, message("RPTPING", id));
    outbox.clear();
  };
  loginOne(0);
  const before = snapshot();
  const classesBefore = argv.includes("--classes") ? classSizes() : null;
  for (let i = 1; i <= n; i++) loginOne(i);
  const after = snapshot();
  if (classesBefore !== null) reportClasses(classesBefore, classSizes(), n, top);
  if (hbp!.connectedCount !== n + 1) throw new Error(`only ${hbp!.connectedCount} connected`);
  if (argv.includes("--owners")) printOwners(top);
  report("core", before, after, n, top);
  if (argv.includes("--shrink")) {
    Bun.shrink();
    await Bun.sleep(3_000);
    Bun.gc(true);
    console.log(`after Bun.shrink(): RSS ${((process.memoryUsage().rss - before.rss) / n).toFixed(0)} B/hotspot`);
  }
  void router;
} else if (mode === "full") {
  const server = await startFreedmr(config, createLogger({ level: "silent", format: "json" }), {});
  await Bun.sleep(2_000);
  const before = snapshot();
  const classesBefore = argv.includes("--classes") ? classSizes() : null;
  const generator = await idleHotspots(server.boundSockets()[0]!.port, n);
  await Bun.sleep(10_000);
  const after = snapshot();
  if (classesBefore !== null) reportClasses(classesBefore, classSizes(), server.hbp!.connectedCount, top);
  report("full", before, after, server.hbp!.connectedCount, top);
  if (argv.includes("--owners")) printOwners(top);
  const rssBefore = process.memoryUsage().rss;
  Bun.shrink();
  await Bun.sleep(3_000);
  console.log(`after Bun.shrink(): RSS ${((process.memoryUsage().rss - before.rss) / server.hbp!.connectedCount).toFixed(0)} B/hotspot (was ${((rssBefore - before.rss) / server.hbp!.connectedCount).toFixed(0)})`);
  generator.stdin.write("EXIT\n");
  generator.stdin.end();
  await generator.exited;
  await server.stop("probe");
} else if (mode === "worker") {
  // the whole server with the services Worker on (dashboard/API on 127.0.0.1:0): the Worker's heap
  // (bench/support/worker_heap_entry.ts), the packet thread's and the process's RSS
  // a Worker sees the environment the process started with: run again with the file named there
  if (process.env.FREEDMR_WORKER_HEAP_FILE === undefined) {
    const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], { env: { ...process.env, FREEDMR_WORKER_HEAP_FILE: join(tmpdir(), `freedmr-worker-heap-${process.pid}.json`) }, stdio: ["inherit", "inherit", "inherit"] });
    process.exit(await child.exited);
  }
  const heapFile = process.env.FREEDMR_WORKER_HEAP_FILE;
  const askWorker = async (classes: boolean): Promise<{ live: number; peak: number; capacity: number; objects: number; types: Record<string, number>; classes: Record<string, { count: number; bytes: number }> | null }> => {
    if (classes) writeFileSync(heapFile + ".classes-ask", "");
    else rmSync(heapFile + ".classes-ask", { force: true });
    rmSync(heapFile, { force: true });
    writeFileSync(heapFile + ".ask", "");
    while (!existsSync(heapFile)) await Bun.sleep(100);
    await Bun.sleep(100);
    return JSON.parse(readFileSync(heapFile, "utf8"));
  };
  const workerConfig = validateConfig(
    {
      hbp: { bind_addresses: ["127.0.0.1"], port: 0, max_peers: Math.max(20_000, n + 16), login_rate_limit_per_minute: 0, passphrase: "passw0rd" },
      http: { bind_address: "127.0.0.1", port: 0 },
      log: { level: "silent" },
    },
    { totalMemoryBytes: Number.MAX_SAFE_INTEGER },
  );
  if (!workerConfig.ok) throw new Error(JSON.stringify(workerConfig.errors));
  const server = await startFreedmr(workerConfig.config, createLogger({ level: "silent", format: "json" }), { servicesWorkerEntry: join(import.meta.dir, "worker_heap_entry.ts") });
  await Bun.sleep(3_000);
  const classes = argv.includes("--classes");
  const before = snapshot();
  const wBefore = await askWorker(classes);
  const generator = await idleHotspots(server.boundSockets()[0]!.port, n);
  const connected = server.hbp!.connectedCount;
  const seconds = Number(argv[argv.indexOf("--seconds") + 1] ?? "30") || 30;
  for (let t = 10; t <= seconds; t += 10) {
    await Bun.sleep(10_000);
    const w = await askWorker(classes && t + 10 > seconds);
    const after = snapshot();
    const wn = w as unknown as { sizeNow: number; capacityNow: number };
    console.log(`at ${t} s: worker heap as it was (no GC forced): size ${((wn.sizeNow - wBefore.live) / connected).toFixed(0)}, capacity ${((wn.capacityNow - wBefore.capacity) / connected).toFixed(0)} B/hotspot`);
    console.log(`at ${t} s: worker live heap ${((w.live - wBefore.live) / connected).toFixed(0)} B/hotspot, worker peak heap (before GC, since last) ${((w.peak - wBefore.live) / connected).toFixed(0)} B/hotspot, worker capacity ${((w.capacity - wBefore.capacity) / connected).toFixed(0)}; packet-thread live heap ${((after.heap - before.heap) / connected).toFixed(0)} B/hotspot; process RSS ${((after.rss - before.rss) / connected).toFixed(0)} B/hotspot`);
    if (t + 10 > seconds) {
      const rows = Object.keys({ ...wBefore.types, ...w.types })
        .map((type) => ({ type, per: ((w.types[type] ?? 0) - (wBefore.types[type] ?? 0)) / connected }))
        .filter((r) => Math.abs(r.per) >= 0.05)
        .sort((a, b) => b.per - a.per)
        .slice(0, top);
      for (const r of rows) console.log(`  worker ${r.type.padEnd(36)} ${r.per.toFixed(2).padStart(8)}`);
      if (w.classes !== null && wBefore.classes !== null) {
        const cls = Object.keys(w.classes)
          .map((name) => ({ name, count: (w.classes![name]!.count - (wBefore.classes![name]?.count ?? 0)) / connected, bytes: (w.classes![name]!.bytes - (wBefore.classes![name]?.bytes ?? 0)) / connected }))
          .filter((r) => Math.abs(r.bytes) >= 1)
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, top);
        for (const r of cls) console.log(`  worker class ${r.name.padEnd(30)} ${r.count.toFixed(2).padStart(8)} × ${(r.bytes / (r.count || 1)).toFixed(0).padStart(5)} B = ${r.bytes.toFixed(0).padStart(6)} B`);
      }
      report("packet thread", before, after, connected, top);
      console.log("  worker received (per hotspot): " + Object.entries((w as unknown as { received: Record<string, number> }).received).map(([k, v]) => `${k} ${(v / connected).toFixed(2)}`).join(", "));
      console.log("  worker received JSON bytes (per hotspot): " + Object.entries((w as unknown as { receivedBytes: Record<string, number> }).receivedBytes).map(([k, v]) => `${k} ${(v / connected).toFixed(0)}`).join(", "));
    }
  }
  generator.stdin.write("EXIT\n");
  generator.stdin.end();
  await generator.exited;
  await server.stop("probe");
} else {
  throw new Error("usage: hotspot_heap_probe.ts core|full|worker N");
}
process.exit(0);
