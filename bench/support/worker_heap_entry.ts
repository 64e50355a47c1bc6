/**
 * The services Worker with a heap probe (bench/support/hotspot_heap_probe.ts `worker` mode): the
 * real entry point (src/services/worker/main.ts), plus, every second, this Worker's JSC heap
 * figures written to the file named by FREEDMR_WORKER_HEAP_FILE: `live` after a full GC and `peak`
 * (the largest heap seen before a GC, garbage included: what the Worker's churn costs in RSS).
 * A "heap-classes" line (heap snapshot by class) is written when the file FILE.classes is asked for.
 * @module
 */
import { heapStats } from "bun:jsc";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import "../../src/services/worker/main.ts";

const file = process.env.FREEDMR_WORKER_HEAP_FILE ?? "";
/** Messages and events received, by type (what the packet thread sends this Worker). */
const received: Record<string, number> = {};
const receivedBytes: Record<string, number> = {};
const inner = self.onmessage!;
self.onmessage = (e: MessageEvent) => {
  const m = e.data as { type: string; events?: { type: string }[] };
  received[m.type] = (received[m.type] ?? 0) + 1;
  if (process.env.FREEDMR_WORKER_SIZES !== undefined) receivedBytes[m.type] = (receivedBytes[m.type] ?? 0) + JSON.stringify(m).length;
  for (const event of m.events ?? []) received["event " + event.type] = (received["event " + event.type] ?? 0) + 1;
  inner.call(self, e);
};
declare const self: Worker;
let peak = 0;
function classSizes(): Record<string, { count: number; bytes: number }> {
  const snap = Bun.generateHeapSnapshot() as unknown as { nodes: number[]; nodeClassNames: string[]; version?: number };
  const fields = snap.version === 2 ? 7 : 4;
  const out: Record<string, { count: number; bytes: number }> = {};
  for (let i = 0; i < snap.nodes.length; i += fields) {
    const name = snap.nodeClassNames[snap.nodes[i + 2]!]!;
    const row = (out[name] ??= { count: 0, bytes: 0 });
    row.count++;
    row.bytes += snap.nodes[i + 1]!;
  }
  return out;
}
if (file !== "") {
  setInterval(() => {
    const before = heapStats();
    peak = Math.max(peak, before.heapCapacity, before.heapSize);
    if (existsSync(file + ".ask")) {
      rmSync(file + ".ask");
      const now = heapStats();
      Bun.gc(true);
      Bun.gc(true);
      const live = heapStats();
      const classes = existsSync(file + ".classes-ask") ? classSizes() : null;
      writeFileSync(file, JSON.stringify({ live: live.heapSize, capacity: live.heapCapacity, objects: live.objectCount, peak, sizeNow: now.heapSize, capacityNow: now.heapCapacity, received, receivedBytes, types: live.objectTypeCounts, classes }));
      peak = 0;
    }
  }, 200);
}
