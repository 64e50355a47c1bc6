/**
 * freedmr servers as separate processes (`bun src/main.ts --config <tmp.toml>`) for the
 * multi-process federation tests. Logs are JSON lines on stdout; a server is ready when it has
 * logged every socket it was told to open. Every spawned process is killed in `killAll`.
 */
import { readJsonLines } from "../../../support/json_lines.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../../../..");

/** The entry point to spawn: the real CLI. */
export function entryPoint(): string {
  return join(ROOT, "src/main.ts");
}

export interface ServerProcess {
  readonly name: string;
  readonly configPath: string;
  readonly lines: Record<string, unknown>[];
  readonly process: ReturnType<typeof Bun.spawn>;
  /** First log line (already seen or future) matching; null on timeout. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown> | null>;
  kill(signal?: NodeJS.Signals | number): Promise<void>;
}

const spawned: ServerProcess[] = [];
let tempDir: string | null = null;

function dir(): string {
  tempDir ??= mkdtempSync(join(tmpdir(), "freedmr-fed-"));
  return tempDir;
}

/** Start `bun src/main.ts --config <name>.toml`; resolves when it has logged `readySockets` listening lines. */
export async function spawnServer(name: string, toml: string, readySockets: number, timeoutMs = 15_000, command: string[] = [process.execPath, entryPoint()]): Promise<ServerProcess> {
  const configPath = join(dir(), `${name}.toml`);
  writeFileSync(configPath, toml);
  const proc = Bun.spawn([...command, "--config", configPath], { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown> | null) => void }[] = [];
  void readJsonLines(proc.stdout as ReadableStream<Uint8Array>, (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.predicate(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const server: ServerProcess = {
    name,
    configPath,
    lines,
    process: proc,
    waitForLog(predicate, ms = 5_000) {
      const found = lines.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const waiter = { predicate, resolve: (l: Record<string, unknown> | null) => resolve(l) };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          resolve(null);
        }, ms);
      });
    },
    async kill(signal: NodeJS.Signals | number = "SIGKILL") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await proc.exited;
    },
  };
  spawned.push(server);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (lines.filter((l) => typeof l["msg"] === "string" && (l["msg"] as string).startsWith("listening on UDP")).length >= readySockets) return server;
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const stderr = await new Response(proc.stderr as ReadableStream).text().catch(() => "");
  await server.kill();
  throw new Error(`${name} did not start: ${stderr}\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
}

/** Kill every process spawned here (afterAll, even on failure) and remove the temp configs. */
export async function killAll(): Promise<void> {
  await Promise.all(spawned.splice(0).map((s) => s.kill().catch(() => {})));
  if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}

export interface ObpLinkToml {
  name: string;
  port: number;
  targetPort: number;
  networkId: number;
  protocol: 1 | 4 | 5;
  passphrase?: string;
}

/** A server config: HBP on 127.0.0.1:hbpPort, JSON logs, fast keepalives, the given links. */
export function serverToml(serverId: number, hbpPort: number, links: ObpLinkToml[], upstream = ""): string {
  const parts = [
    `[server]\nserver_id = ${serverId}\nname = "s${serverId}"\n`,
    `[log]\nlevel = "info"\nformat = "json"\n`,
    `[hbp]\nbind_addresses = ["127.0.0.1"]\nport = ${hbpPort}\nlogin_rate_limit_per_minute = 0\n`,
  ];
  for (const l of links) {
    parts.push(
      [
        "[[openbridge]]",
        `name = "${l.name}"`,
        `bind_address = "127.0.0.1"`,
        `port = ${l.port}`,
        `target_address = "127.0.0.1"`,
        `target_port = ${l.targetPort}`,
        `passphrase = "${l.passphrase ?? "link-secret"}"`,
        `network_id = ${l.networkId}`,
        `protocol = ${l.protocol}`,
        `relaxed_checks = false`,
        `keepalive_interval_seconds = 1`,
        `keepalive_timeout_seconds = 5`,
        "",
      ].join("\n"),
    );
  }
  if (upstream !== "") parts.push(upstream);
  return parts.join("\n");
}
