/**
 * Login benchmark: N simulated hotspots (one UDP socket each, in this process) log in to a freedmr
 * server running in its own process (`bun src/main.ts --config <tmp>`), all at once — the burst
 * after a server restart — then keep pinging every 10 s like MMDVMHost/DMRGateway.
 *
 *   npx bun bench/login.bench.ts [--clients 10000] [--steady-seconds 30] [--retry-ms 2000]
 *                                [--server binary|source] [--binary dist/freedmr-linux-x64] [--server-log-level info]
 *
 * Reports: time from the first RPTL to all connected (goal ≤ 10 s), server RSS (goal ≤ 120 MB),
 * steady-state server CPU while they ping (goal ≤ 5 % of one core), lost pongs.
 * A hotspot with no answer resends its current handshake step after --retry-ms (real clients wait
 * 10 s; the shorter retry measures the server, not the client timers). Raises `ulimit -n` for
 * itself (re-exec through sh) when N sockets would not fit.
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const CLIENTS = Number(arg("clients", "10000"));
const STEADY_SECONDS = Number(arg("steady-seconds", "30"));
const RETRY_MS = Number(arg("retry-ms", "2000"));
const SERVER_LOG_LEVEL = arg("server-log-level", "info");
const BINARY = arg("binary", join(import.meta.dir, "../dist/freedmr-linux-" + (process.arch === "arm64" ? "arm64" : "x64")));
/** "binary" (the compiled dist/freedmr-linux-<arch>, what ships; default when built) or "source" (bun src/main.ts). */
const SERVER_KIND = arg("server", existsSync(BINARY) ? "binary" : "source");
const PING_INTERVAL_MS = 10_000;
const PASSPHRASE = "bench-passphrase";
const FIRST_ID = 2_000_001;

// --- file descriptors -----------------------------------------------------------------------------
function openFileLimits(): { soft: number; hard: number } {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files")) ?? "";
  const [soft, hard] = line.replace("Max open files", "").trim().split(/\s+/);
  const parse = (v: string | undefined): number => (v === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: parse(soft), hard: parse(hard) };
}
{
  const limits = openFileLimits();
  const needed = CLIENTS + 256;
  if (limits.soft < needed) {
    if (process.env.FREEDMR_BENCH_REEXEC === "1" || limits.hard < needed) {
      console.error(`ulimit -n is ${limits.soft} (hard ${limits.hard}); ${needed} needed for ${CLIENTS} sockets. Raise the hard limit or use --clients.`);
      process.exit(1);
    }
    console.log(`raising ulimit -n from ${limits.soft} to ${limits.hard} (re-exec)`);
    const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = Bun.spawn(["sh", "-c", `ulimit -n ${limits.hard} && exec ${quoted}`], {
      stdio: ["inherit", "inherit", "inherit"],
      env: { ...process.env, FREEDMR_BENCH_REEXEC: "1" },
    });
    process.exit(await child.exited);
  }
}

// --- server process -----------------------------------------------------------------------------
const CLK_TCK = 100;
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:")) ?? "VmRSS: 0 kB";
  return Number(line.replace(/\D+/g, "")) / 1024;
}

const dir = mkdtempSync(join(tmpdir(), "freedmr-login-bench-"));
const configPath = join(dir, "freedmr.toml");
writeFileSync(
  configPath,
  [
    "[log]",
    `level = "${SERVER_LOG_LEVEL}"`,
    'format = "json"',
    "[hbp]",
    'bind_addresses = ["127.0.0.1"]',
    `passphrase = "${PASSPHRASE}"`,
    `max_peers = ${Math.max(CLIENTS * 2, 100)}`,
    "login_rate_limit_per_minute = 0",
    "peer_timeout_seconds = 30",
    "",
  ].join("\n"),
);
// A free port: bind 0, read it back, release it (the server binds it a moment later).
const probe = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
const serverPort = probe.port;
probe.close();
const serverCommand = SERVER_KIND === "binary" ? [BINARY] : [process.execPath, join(import.meta.dir, "../src/main.ts")];
const server = Bun.spawn([...serverCommand, "--config", configPath, "--port", String(serverPort)], {
  stdout: "ignore",
  stderr: "inherit",
  stdin: "ignore",
});
// Never leave the server behind if this process dies.
process.on("exit", () => {
  try {
    server.kill("SIGKILL");
  } catch {
    // already gone
  }
});
// Ready when it answers an RPTPING from an unknown peer with MSTNAK.
{
  let ready = false;
  const pinger = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: () => void (ready = true), error: (() => {}) as unknown as (s: Sock, e: Error) => void },
  });
  const ping = Buffer.from("RPTPING\0\0\0\x01", "latin1");
  for (let i = 0; i < 3000 && !ready; i++) {
    try {
      pinger.send(ping, serverPort, "127.0.0.1");
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  pinger.close();
  if (!ready) throw new Error("server did not answer within 15 s");
}
const serverStartRss = rssMb(server.pid);
console.log(`server (${SERVER_KIND}: ${serverCommand.join(" ")}) pid ${server.pid} listening on 127.0.0.1:${serverPort}, RSS ${serverStartRss.toFixed(1)} MB before logins`);

// --- hotspots ------------------------------------------------------------------------------------
const enum Stage {
  Login = 0,
  Auth = 1,
  Config = 2,
  Running = 3,
}
type Sock = Bun.udp.Socket<"buffer">;
interface Hotspot {
  id: number;
  socket: Sock;
  stage: Stage;
  salt: number;
  lastSendMs: number;
  retries: number;
  pongs: number;
  pingsSent: number;
  naks: number;
}
const enc = new TextEncoder();
const passBytes = enc.encode(PASSPHRASE);
function withId(tag: string, id: number, extra = 0): Buffer {
  const out = Buffer.alloc(tag.length + 4 + extra);
  out.write(tag, 0, "latin1");
  out.writeUInt32BE(id, tag.length);
  return out;
}
function rptc(id: number): Buffer {
  const out = Buffer.alloc(302, 0x20);
  out.write("RPTC", 0, "latin1");
  out.writeUInt32BE(id, 4);
  const text = `B${String(id % 10_000_000).padStart(7, "0")}`.slice(0, 8) + "438800000438800000" + "0101" + "51.50000" + "-0.120000" + "000" + "Bench".padEnd(20) + "Load test".padEnd(19) + "4";
  out.write(text, 8, "latin1");
  out.write("20260713".padEnd(40), 222, "latin1");
  out.write("MMDVM_MMDVM_HS_Hat".padEnd(40), 262, "latin1");
  return out;
}

let connected = 0;
let firstRptlMs = 0;
let allConnectedMs = 0;
let resolveAll: () => void = () => {};
const allConnected = new Promise<void>((r) => (resolveAll = r));

function send(h: Hotspot, bytes: Buffer, nowMs: number): void {
  h.lastSendMs = nowMs;
  try {
    h.socket.send(bytes, serverPort, "127.0.0.1");
  } catch {
    // retried by the timer
  }
}
function sendStep(h: Hotspot, nowMs: number): void {
  if (h.stage === Stage.Login) send(h, withId("RPTL", h.id), nowMs);
  else if (h.stage === Stage.Auth) {
    const rptk = withId("RPTK", h.id, 32);
    const salt = Buffer.alloc(4);
    salt.writeUInt32BE(h.salt, 0);
    createHash("sha256").update(salt).update(passBytes).digest().copy(rptk, 8);
    send(h, rptk, nowMs);
  } else if (h.stage === Stage.Config) send(h, rptc(h.id), nowMs);
}
function onReply(h: Hotspot, data: Buffer): void {
  const now = performance.now();
  const tag = data.toString("latin1", 0, Math.min(7, data.length));
  if (tag.startsWith("MSTPONG")) {
    h.pongs++;
    return;
  }
  if (tag.startsWith("MSTNAK")) {
    h.naks++;
    if (h.stage === Stage.Running) connected--;
    h.stage = Stage.Login;
    sendStep(h, now);
    return;
  }
  if (!tag.startsWith("RPTACK") || data.length !== 10) return;
  if (h.stage === Stage.Login) {
    h.salt = data.readUInt32BE(6);
    h.stage = Stage.Auth;
    sendStep(h, now);
  } else if (h.stage === Stage.Auth) {
    h.stage = Stage.Config;
    sendStep(h, now);
  } else if (h.stage === Stage.Config) {
    h.stage = Stage.Running;
    connected++;
    if (connected === CLIENTS && allConnectedMs === 0) {
      allConnectedMs = now;
      resolveAll();
    }
  }
}

const hotspots: Hotspot[] = [];
const tOpen = performance.now();
for (let base = 0; base < CLIENTS; base += 500) {
  const batch: Promise<void>[] = [];
  for (let i = base; i < Math.min(CLIENTS, base + 500); i++) {
    batch.push(
      (async () => {
        const h = { id: FIRST_ID + i, stage: Stage.Login, salt: 0, lastSendMs: 0, retries: 0, pongs: 0, pingsSent: 0, naks: 0 } as Hotspot;
        h.socket = await Bun.udpSocket({
          hostname: "127.0.0.1",
          port: 0,
          socket: {
            data: (_s, data) => onReply(h, data),
            error: (() => {}) as unknown as (s: Sock, e: Error) => void,
          },
        });
        hotspots[i] = h;
      })(),
    );
  }
  await Promise.all(batch);
}
console.log(`${CLIENTS} hotspot sockets open in ${((performance.now() - tOpen) / 1000).toFixed(2)} s; logging in all at once (retry after ${RETRY_MS} ms)`);

firstRptlMs = performance.now();
for (const h of hotspots) sendStep(h, firstRptlMs);
const retryTimer = setInterval(() => {
  const now = performance.now();
  for (const h of hotspots) {
    if (h.stage !== Stage.Running && now - h.lastSendMs >= RETRY_MS) {
      h.retries++;
      sendStep(h, now);
    }
  }
}, 250);
const progressTimer = setInterval(() => {
  console.log(`  t+${((performance.now() - firstRptlMs) / 1000).toFixed(1)} s: ${connected}/${CLIENTS} connected`);
}, 2000);
const loginDeadline = new Promise<void>((r) => setTimeout(r, 120_000));
await Promise.race([allConnected, loginDeadline]);
clearInterval(progressTimer);
const loginSeconds = allConnectedMs > 0 ? (allConnectedMs - firstRptlMs) / 1000 : Number.NaN;
const retries = hotspots.reduce((n, h) => n + h.retries, 0);
const rssAfterLogin = rssMb(server.pid);
console.log(`all ${CLIENTS} connected in ${loginSeconds.toFixed(2)} s (${retries} retries, ${hotspots.reduce((n, h) => n + h.naks, 0)} NAKs); server RSS ${rssAfterLogin.toFixed(1)} MB`);

// --- steady state: every hotspot pings every 10 s, phases spread evenly ----------------------------
const SLICE_MS = 20;
const perSlice = Math.ceil(CLIENTS / (PING_INTERVAL_MS / SLICE_MS));
let cursor = 0;
const pingTimer = setInterval(() => {
  const now = performance.now();
  for (let k = 0; k < perSlice; k++) {
    const h = hotspots[cursor]!;
    cursor = (cursor + 1) % CLIENTS;
    if (h.stage === Stage.Running) {
      h.pingsSent++;
      send(h, withId("RPTPING", h.id), now);
    }
  }
}, SLICE_MS);
await new Promise((r) => setTimeout(r, 2000)); // settle
const ticks0 = cpuTicks(server.pid);
const t0 = performance.now();
const pingsBefore = hotspots.reduce((n, h) => n + h.pingsSent, 0);
await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000));
const ticks1 = cpuTicks(server.pid);
const elapsed = (performance.now() - t0) / 1000;
const pingsDuring = hotspots.reduce((n, h) => n + h.pingsSent, 0) - pingsBefore;
clearInterval(pingTimer);
clearInterval(retryTimer);
await new Promise((r) => setTimeout(r, 500));
const cpuPercent = ((ticks1 - ticks0) / CLK_TCK / elapsed) * 100;
const rssSteady = rssMb(server.pid);
const pingsTotal = hotspots.reduce((n, h) => n + h.pingsSent, 0);
const pongsTotal = hotspots.reduce((n, h) => n + h.pongs, 0);
const stillConnected = hotspots.filter((h) => h.stage === Stage.Running).length;

server.kill("SIGTERM");
const exitCode = await Promise.race([server.exited, new Promise<string>((r) => setTimeout(() => r("did not exit within 6 s"), 6000))]);
if (exitCode !== 0) console.log(`server exit after SIGTERM: ${exitCode}`);
for (const h of hotspots) h.socket.close();
rmSync(dir, { recursive: true, force: true });

console.log("");
console.log(`login benchmark — ${CLIENTS} hotspots, server ${SERVER_KIND}, Bun ${Bun.version}, ${process.arch}, load ${readFileSync("/proc/loadavg", "utf8").trim()}`);
console.log(`  time to all connected:   ${loginSeconds.toFixed(2)} s      (goal ≤ 10 s)   ${loginSeconds <= 10 ? "met" : "NOT met"}`);
console.log(`  server RSS:              ${Math.max(rssAfterLogin, rssSteady).toFixed(1)} MB   (goal ≤ 120 MB) ${Math.max(rssAfterLogin, rssSteady) <= 120 ? "met" : "NOT met"}  [idle before logins ${serverStartRss.toFixed(1)} MB, after logins ${rssAfterLogin.toFixed(1)} MB, end of steady state ${rssSteady.toFixed(1)} MB]`);
console.log(`  steady-state server CPU: ${cpuPercent.toFixed(2)} % of a core over ${elapsed.toFixed(1)} s, ${(pingsDuring / elapsed).toFixed(0)} pings/s   (goal ≤ 5 %) ${cpuPercent <= 5 ? "met" : "NOT met"}`);
console.log(`  pongs: ${pongsTotal}/${pingsTotal} (${(pingsTotal - pongsTotal).toString()} outstanding or lost); still connected: ${stillConnected}/${CLIENTS}`);
process.exit(0);
