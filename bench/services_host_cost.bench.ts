/**
 * What the services Worker costs the packet thread per event: the same stream of core events
 * (call start/end, as the 200-call load produces them) published on the bus with and without the
 * Worker's host registered; the packet thread's own CPU (this process's main thread, from
 * /proc/self/task/<pid>/schedstat) is compared. The Worker itself runs on its own thread and is not
 * counted. Prints µs of main-thread CPU per event and what 300 events/s (the latency load) cost.
 *
 *   bun bench/services_host_cost.bench.ts [--events 200000]
 * @module
 */
import pino from "pino";
import { EventBus } from "../src/bus/event_bus.ts";
import type { CoreEvent } from "../src/core/events.ts";
import { ControlQueue } from "../src/shell/control_commands.ts";
import { ServicesWorkerHost } from "../src/shell/services_worker_host.ts";
import { NullRouter } from "../src/core/router_contract.ts";
import { threadTimes } from "./support/process_cpu.ts";

const i = process.argv.indexOf("--events");
const total = i >= 0 ? Number(process.argv[i + 1]) : 200_000;

function mainCpuNs(): number {
  return threadTimes(process.pid).get(process.pid)?.cpuNs ?? 0;
}

function event(n: number): CoreEvent {
  const base = { atMs: performance.now(), streamId: n, portIndex: n % 2000, portName: `T${n % 2000}/31200${n % 2000}`, sourceId: 3_120_000 + (n % 200), destinationId: 10_000 + (n % 200), slot: 2 as const, callType: "group" as const, kind: "voice" as const };
  return n % 2 === 0 ? { type: "stream.start", ...base } : { type: "stream.end", ...base, durationMs: 1500, frames: 26, lost: 0, talkerAlias: null, endedBy: "terminator" };
}

async function run(withHost: boolean): Promise<number> {
  const bus = new EventBus<CoreEvent>();
  bus.register("event-log-standin", () => {}, { queueCapacity: 65536 });
  let host: ServicesWorkerHost | null = null;
  if (withHost) {
    const router = new NullRouter();
    host = new ServicesWorkerHost({
      bus,
      hbp: null,
      router,
      control: new ControlQueue({ hbp: null, router, selfCare: false, secrets: new Map() }),
      log: pino({ level: "silent" }),
      version: "bench",
      startedMs: performance.now(),
      http: { bindAddress: "127.0.0.1", port: 0, lastHeardSize: 200, cors: false, maxHotspots: 2000, adminToken: null, selfCare: false, maxLiveClients: 10 },
    });
    const ready = await host.start();
    if (ready.error !== null) throw new Error(ready.error);
    await Bun.sleep(300);
  }
  // events are made up front so only publishing and what follows is measured
  const events = Array.from({ length: total }, (_, n) => event(n));
  const cpu0 = mainCpuNs();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      for (let k = 0; k < 400 && sent < total; k++) bus.publish(events[sent++]!);
      if (sent < total) setTimeout(step, 1);
      else resolve();
    };
    step();
  });
  await bus.idle();
  await Bun.sleep(300); // the last batches go out
  const cpu = mainCpuNs() - cpu0;
  const lost = host?.stats().eventsLost ?? 0;
  await host?.stop();
  if (lost > 0) console.log(`  (the Worker lost ${lost} events: it was behind)`);
  return cpu;
}

const without = await run(false);
const withHost = await run(true);
const perEventUs = (withHost - without) / 1000 / total;
console.log(`main-thread CPU for ${total} events: without the Worker ${(without / 1e6).toFixed(1)} ms, with it ${(withHost / 1e6).toFixed(1)} ms`);
console.log(`the Worker's host costs the packet thread ${perEventUs.toFixed(2)} µs per event; at 300 events/s (200 calls of ~1.5 s) that is ${((perEventUs * 300) / 1e4).toFixed(3)} % of a core`);
process.exit(0);
