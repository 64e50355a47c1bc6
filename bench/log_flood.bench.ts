/**
 * Log-flood benchmark: what a flood costs the log, as journald would see it. A freedmr server runs
 * in its own process (`bun src/main.ts`, JSON log on stdout, read here line by line with the time
 * each line arrived); this process floods it:
 *
 *   1. wrong passphrases from --addresses loopback addresses (127.0.2.x), a fresh repeater id per
 *      attempt, for --seconds;
 *   2. a stream-id spray from one logged-in hotspot (a new stream id every two frames), for --seconds.
 *
 *   npx bun bench/log_flood.bench.ts [--seconds 5] [--addresses 200]
 *
 * Reports, per reason: lines written, the peak lines in one wall-clock second, the mean lines/s over
 * the flood, and how many lines the "suppressed K similar lines" summaries stand for (goal: ≤ 20
 * lines/s per reason under any flood; before the limiter these floods wrote ~4.9k and ~9.8k lines/s).
 * Figures depend on the machine and its load.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const SECONDS = Number(arg("seconds", "5"));
const ADDRESSES = Math.min(250, Number(arg("addresses", "200")));
const PASSPHRASE = "bench-passphrase";

type Sock = Bun.udp.Socket<"uint8array">;

const dir = mkdtempSync(join(tmpdir(), "freedmr-log-flood-"));
const configPath = join(dir, "freedmr.toml");
writeFileSync(
  configPath,
  ["[log]", 'level = "info"', 'format = "json"', "[hbp]", 'bind_addresses = ["127.0.0.1"]', `passphrase = "${PASSPHRASE}"`, "login_rate_limit_per_minute = 0", "[http]", "enabled = false", ""].join("\n"),
);
const probe = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
const serverPort = probe.port;
probe.close();
const server = Bun.spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), "--config", configPath, "--port", String(serverPort)], {
  stdout: "pipe",
  stderr: "inherit",
  stdin: "ignore",
});
process.on("exit", () => {
  try {
    server.kill("SIGKILL");
  } catch {
    // gone
  }
  rmSync(dir, { recursive: true, force: true });
});

// ---- the server's log, line by line, with arrival times ----
interface LogLine {
  atMs: number;
  key: string;
  suppressed: number;
}
const lines: LogLine[] = [];
void (async () => {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of server.stdout) {
    const now = performance.now();
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (text === "") continue;
      try {
        const r = JSON.parse(text) as Record<string, unknown>;
        const summary = typeof r["suppressed"] === "number";
        lines.push({ atMs: now, key: summary ? String(r["reason"]) : keyOf(r), suppressed: summary ? (r["suppressed"] as number) : 0 });
      } catch {
        lines.push({ atMs: now, key: "(not json)", suppressed: 0 });
      }
    }
  }
})();

/** The event log's reason key for a line (summaries name it themselves). */
function keyOf(r: Record<string, unknown>): string {
  const msg = String(r["msg"] ?? "");
  if (msg.startsWith("login refused")) return `session.refused:${String(r["reason"])}`;
  if (msg === "stream start") return "stream.start";
  if (msg === "stream end") return "stream.end";
  if (msg.startsWith("call from")) return `stream.refused:${String(r["reason"])}`;
  return msg.slice(0, 40);
}

// ---- ready when it answers an RPTPING from an unknown peer ----
{
  let ready = false;
  const pinger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, binaryType: "uint8array", socket: { data: () => void (ready = true), error() {} } });
  const ping = new TextEncoder().encode("RPTPING\0\0\0\x01");
  for (let i = 0; i < 3000 && !ready; i++) {
    try {
      pinger.send(ping, serverPort, "127.0.0.1");
    } catch {
      // not yet
    }
    await Bun.sleep(5);
  }
  pinger.close();
  if (!ready) throw new Error("server did not answer within 15 s");
}

function withId(tag: string, id: number, extra = 0): Uint8Array {
  const out = new Uint8Array(tag.length + 4 + extra);
  for (let i = 0; i < tag.length; i++) out[i] = tag.charCodeAt(i);
  new DataView(out.buffer).setUint32(tag.length, id);
  return out;
}

// ---- phase 1: wrong passphrases from many addresses ----
async function passphraseFlood(): Promise<{ startMs: number; endMs: number; refused: number }> {
  let nextId = 400_000_000;
  let refused = 0;
  const current = new Map<Sock, number>();
  const heardAt = new Map<Sock, number>();
  const sockets: Sock[] = [];
  const rptl = (s: Sock): void => {
    const id = nextId++;
    current.set(s, id);
    heardAt.set(s, performance.now());
    s.send(withId("RPTL", id), serverPort, "127.0.0.1");
  };
  for (let a = 0; a < ADDRESSES; a++) {
    sockets.push(
      await Bun.udpSocket({
        hostname: `127.0.2.${a + 1}`,
        port: 0,
        binaryType: "uint8array",
        socket: {
          error() {},
          data(s, data) {
            heardAt.set(s, performance.now());
            const tag = String.fromCharCode(...data.subarray(0, 6));
            if (tag === "RPTACK" && data.length === 10) s.send(withId("RPTK", current.get(s) ?? 0, 32), serverPort, "127.0.0.1");
            else if (tag === "MSTNAK") {
              refused++;
              rptl(s);
            }
          },
        },
      }),
    );
  }
  const startMs = performance.now();
  sockets.forEach(rptl);
  // restart only sockets gone quiet (a lost datagram): an abandoned login sits in the pending table
  const restart = setInterval(() => {
    const now = performance.now();
    for (const s of sockets) if (now - (heardAt.get(s) ?? 0) > 500) rptl(s);
  }, 250);
  await Bun.sleep(SECONDS * 1000);
  clearInterval(restart);
  sockets.forEach((s) => s.close());
  return { startMs, endMs: performance.now(), refused };
}

// ---- phase 2: a stream-id spray from one logged-in hotspot ----
async function streamSpray(): Promise<{ startMs: number; endMs: number; streams: number }> {
  const id = 310_000_001;
  let salt = -1;
  let acks = 0;
  const s = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    binaryType: "uint8array",
    socket: {
      error() {},
      data(_s, data) {
        const tag = String.fromCharCode(...data.subarray(0, 6));
        if (tag !== "RPTACK") return;
        acks++;
        if (data.length === 10) salt = new DataView(data.buffer, data.byteOffset).getUint32(6);
      },
    },
  });
  s.send(withId("RPTL", id), serverPort, "127.0.0.1");
  while (salt < 0) await Bun.sleep(2);
  const rptk = withId("RPTK", id, 32);
  const saltBytes = new Uint8Array(4);
  new DataView(saltBytes.buffer).setUint32(0, salt);
  rptk.set(createHash("sha256").update(saltBytes).update(PASSPHRASE).digest(), 8);
  s.send(rptk, serverPort, "127.0.0.1");
  while (acks < 2) await Bun.sleep(2);
  const rptc = new Uint8Array(302).fill(0x20);
  rptc.set(withId("RPTC", id));
  const text = "BENCH   " + "438800000431200000" + "0101" + "51.50000" + "-0.120000" + "000" + "Bench".padEnd(20) + "Log flood".padEnd(19) + "3";
  for (let i = 0; i < text.length; i++) rptc[8 + i] = text.charCodeAt(i);
  s.send(rptc, serverPort, "127.0.0.1");
  while (acks < 3) await Bun.sleep(2);

  const frame = new Uint8Array(55);
  frame.set([0x44, 0x4d, 0x52, 0x44]);
  const view = new DataView(frame.buffer);
  frame[5] = 0x23; // source 2345001 (24 bits)
  frame[6] = 0xc8;
  frame[7] = 0x29;
  frame[10] = 91; // TG 91
  view.setUint32(11, id);
  let sequence = 0;
  let streams = 0;
  const startMs = performance.now();
  while (performance.now() - startMs < SECONDS * 1000) {
    for (let i = 0; i < 50; i++) {
      view.setUint32(16, 0x6000_0000 + streams++);
      frame[4] = sequence++ & 0xff;
      frame[15] = 0x80 | (2 << 4) | 1; // TS2, group, data sync, voice LC header
      s.send(frame, serverPort, "127.0.0.1");
      frame[4] = sequence++ & 0xff;
      frame[15] = 0x80 | (1 << 4); // TS2, group, voice sync (burst A)
      s.send(frame, serverPort, "127.0.0.1");
    }
    await Bun.sleep(1);
  }
  const endMs = performance.now();
  s.close();
  return { startMs, endMs, streams };
}

function report(title: string, from: number, to: number): void {
  const window = lines.filter((l) => l.atMs >= from && l.atMs <= to + 1500);
  const byKey = new Map<string, LogLine[]>();
  for (const l of window) {
    const list = byKey.get(l.key) ?? [];
    list.push(l);
    byKey.set(l.key, list);
  }
  const seconds = (to - from) / 1000;
  console.log(`\n${title} (${seconds.toFixed(1)} s, ${window.length} log lines in all)`);
  console.log(`  ${"reason".padEnd(42)} ${"lines".padStart(6)} ${"peak/s".padStart(7)} ${"mean/s".padStart(7)} ${"summarised".padStart(11)}`);
  for (const [key, list] of [...byKey.entries()].sort((a, b) => b[1].length - a[1].length)) {
    const times = list.map((l) => l.atMs).sort((a, b) => a - b);
    let peak = 0;
    for (let end = 0, start = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= 1000) start++;
      peak = Math.max(peak, end - start + 1);
    }
    const summarised = list.reduce((n, l) => n + l.suppressed, 0);
    console.log(`  ${key.padEnd(42)} ${String(list.length).padStart(6)} ${String(peak).padStart(7)} ${(list.length / seconds).toFixed(1).padStart(7)} ${String(summarised).padStart(11)}`);
  }
}

const flood = await passphraseFlood();
console.log(`wrong-passphrase flood: ${flood.refused} refusals from ${ADDRESSES} addresses in ${((flood.endMs - flood.startMs) / 1000).toFixed(1)} s = ${Math.round(flood.refused / ((flood.endMs - flood.startMs) / 1000))} refusals/s`);
await Bun.sleep(1500); // the summaries of a flood that stopped
report("log during the wrong-passphrase flood", flood.startMs, flood.endMs);

const spray = await streamSpray();
console.log(`\nstream-id spray: ${spray.streams} stream ids in ${((spray.endMs - spray.startMs) / 1000).toFixed(1)} s = ${Math.round(spray.streams / ((spray.endMs - spray.startMs) / 1000))} streams/s`);
await Bun.sleep(1500);
report("log during the stream-id spray", spray.startMs, spray.endMs);

server.kill("SIGTERM");
await server.exited;
