/**
 * Start-up benchmark: process start → listening, i.e. the HBP socket answers (an RPTPING from an
 * unknown peer gets MSTNAK — a real round trip, not a log line). Goal ≤ 100 ms.
 *
 *   npx bun bench/startup.bench.ts [--runs 10] [--binary dist/freedmr-linux-x64]
 *
 * Measures `bun src/main.ts` and, if it exists, the compiled binary. The server gets a free port
 * chosen here (bind 0, release) and the embedded default config otherwise; it is stopped with
 * SIGTERM after each run.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const RUNS = Number(arg("runs", "10"));
const BINARY = arg("binary", join(import.meta.dir, "../dist/freedmr-linux-" + (process.arch === "arm64" ? "arm64" : "x64")));

type Sock = Bun.udp.Socket<"buffer">;
const ping = Buffer.from("RPTPING\0\0\0\x01", "latin1");

async function freePort(): Promise<number> {
  const s = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  const port = s.port;
  s.close();
  return port;
}

async function once(command: string[]): Promise<number> {
  const port = await freePort();
  let answeredAt = 0;
  const probe = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data: () => {
        if (answeredAt === 0) answeredAt = performance.now();
      },
      error: (() => {}) as unknown as (s: Sock, e: Error) => void,
    },
  });
  const t0 = performance.now();
  const child = Bun.spawn([...command, "--port", String(port), "--bind", "127.0.0.1", "--log-level", "warn"], {
    stdout: "ignore",
    stderr: "ignore",
    stdin: "ignore",
  });
  // Probe every ~0.5 ms until the server answers (or 10 s).
  while (answeredAt === 0 && performance.now() - t0 < 10_000) {
    try {
      probe.send(ping, port, "127.0.0.1");
    } catch {
      // ICMP port unreachable from the previous probe: not listening yet
    }
    await new Promise((r) => setTimeout(r, 0.5));
  }
  const elapsed = answeredAt === 0 ? Number.NaN : answeredAt - t0;
  probe.close();
  child.kill("SIGTERM");
  await Promise.race([child.exited, new Promise((r) => setTimeout(r, 6000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
  return elapsed;
}

function summary(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const median = pick(0.5);
  console.log(
    `${name.padEnd(44)} min ${sorted[0]!.toFixed(1).padStart(6)} ms  median ${median.toFixed(1).padStart(6)} ms  p90 ${pick(0.9).toFixed(1).padStart(6)} ms   (goal ≤ 100 ms: ${median <= 100 ? "met" : "NOT met"})`,
  );
}

const targets: [string, string[]][] = [["bun src/main.ts", [process.execPath, join(import.meta.dir, "../src/main.ts")]]];
if (existsSync(BINARY)) targets.push([`compiled ${BINARY.split("/").pop()}`, [BINARY]]);
else console.log(`(no compiled binary at ${BINARY}; build it with npm run build to measure it too)`);

console.log(`start-up → listening (answers RPTPING with MSTNAK), ${RUNS} runs each, Bun ${Bun.version}, ${process.arch}`);
for (const [name, command] of targets) {
  await once(command); // warm the page cache
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once(command));
  if (samples.some((s) => Number.isNaN(s))) console.log(`${name}: some runs never answered`);
  summary(name, samples.filter((s) => !Number.isNaN(s)));
}
