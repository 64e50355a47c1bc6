/**
 * Idle hotspots for the services benchmark, in their own process: log N hotspots in (each with a
 * static talkgroup, so the talkgroup and hotspot pages have content) and keep them alive with a
 * ping every 5 s each, spread out. Prints READY once all are in; exits on EXIT or end of stdin.
 *
 *   bun bench/support/idle_hotspots.ts --port P --count N --first-id ID
 * @module
 */
import { BenchHotspot } from "./bench_hotspot.ts";

const argv = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const port = Number(arg("port", "0"));
const count = Number(arg("count", "800"));
const firstId = Number(arg("first-id", "314000000"));

const hotspots: BenchHotspot[] = [];
for (let i = 0; i < count; i++) {
  hotspots.push(new BenchHotspot({ serverPort: port, repeaterId: firstId + i, passphrase: "passw0rd", options: `TS1=${20_000 + (i % 100)};`, callsign: `ID${i}` }));
}
/** A login that lost a datagram (loaded machine) starts over, a few times. */
let failed = 0;
async function loginWithRetry(h: BenchHotspot): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      return await h.login();
    } catch {
      // lost or stale reply: start over
    }
  }
  failed++;
}
process.on("unhandledRejection", () => {});
for (let i = 0; i < hotspots.length; i += 50) await Promise.all(hotspots.slice(i, i + 50).map(loginWithRetry));
let next = 0;
const perTick = Math.max(1, Math.ceil((hotspots.length * 100) / 5000));
const timer = setInterval(() => {
  for (let n = 0; n < perTick; n++) {
    hotspots[next]!.ping();
    next = (next + 1) % hotspots.length;
  }
}, 100);
console.log(failed > 0 ? `READY (${failed} logins failed)` : "READY");
const decoder = new TextDecoder();
for await (const chunk of Bun.stdin.stream()) if (decoder.decode(chunk).includes("EXIT")) break;
clearInterval(timer);
for (const h of hotspots) h.close();
process.exit(0);
