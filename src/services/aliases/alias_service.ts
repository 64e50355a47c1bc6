/**
 * The alias-data service (in the services Worker, off the packet thread): for each configured kind
 * (users, repeaters, talkgroups) it loads the data from a file or an http(s) URL, parses it into a
 * compact AliasTable (alias_table.ts, parse.ts), and refreshes it on an interval.
 *
 * - Downloads have a timeout and a size bound (checked on Content-Length and while reading).
 * - The last good download is cached in the cache directory (the state directory), written to a
 *   temporary file and renamed (atomic); at start the cache is loaded first, so names are there
 *   before the first download finishes or when the network is down.
 * - A failed download or parse keeps the data already loaded; every outcome is logged.
 * - After each successful load `onLoaded` gets the table (the Worker posts a copy to the packet
 *   thread: src/shell/alias_directory.ts).
 * @module
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AliasTable } from "./alias_table.ts";
import { parseAliasData, type AliasKind } from "./parse.ts";

export const ALIAS_KINDS: readonly AliasKind[] = ["users", "repeaters", "talkgroups"];

export interface AliasServiceOptions {
  /** Per kind: file path or http(s) URL; "" = none. */
  readonly sources: Readonly<Record<AliasKind, string>>;
  /** 0 = load once. */
  readonly refreshMs: number;
  /** "" = the working directory. */
  readonly cacheDirectory: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export interface AliasServiceHooks {
  log(level: "info" | "warn" | "error", msg: string, data?: Record<string, unknown>): void;
  onLoaded(kind: AliasKind, table: AliasTable): void;
}

export type LoadOutcome = { ok: true; source: "cache" | "download" | "file"; entries: number; skipped: number; bytes: number } | { ok: false; reason: string };

export class AliasService {
  readonly tables: Record<AliasKind, AliasTable> = { users: AliasTable.empty(), repeaters: AliasTable.empty(), talkgroups: AliasTable.empty() };
  readonly counters = { loads: 0, failures: 0 };
  #timer: ReturnType<typeof setInterval> | null = null;
  #stopped = false;

  constructor(
    readonly options: AliasServiceOptions,
    readonly hooks: AliasServiceHooks,
  ) {}

  get configured(): AliasKind[] {
    return ALIAS_KINDS.filter((k) => this.options.sources[k] !== "");
  }

  /** Cache first, then a fresh load of every configured kind; then the refresh timer. */
  async start(): Promise<void> {
    for (const kind of this.configured) if (isUrl(this.options.sources[kind])) await this.#loadCache(kind);
    await this.refreshAll();
    if (this.options.refreshMs > 0 && !this.#stopped && this.configured.length > 0) {
      this.#timer = setInterval(() => void this.refreshAll(), this.options.refreshMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async refreshAll(): Promise<void> {
    for (const kind of this.configured) {
      if (this.#stopped) return;
      await this.refresh(kind);
    }
  }

  /** Load one kind from its source; on failure the data already loaded stays. */
  async refresh(kind: AliasKind): Promise<LoadOutcome> {
    const source = this.options.sources[kind];
    const url = isUrl(source);
    let text: string;
    try {
      text = url ? await download(source, this.options.timeoutMs, this.options.maxBytes) : await readBounded(source, this.options.maxBytes);
    } catch (error) {
      return this.#failed(kind, source, error instanceof Error ? error.message : String(error));
    }
    const outcome = this.#accept(kind, text, url ? "download" : "file", source);
    if (outcome.ok && url) {
      try {
        writeAtomically(this.#cachePath(kind), text);
      } catch (error) {
        this.hooks.log("warn", `aliases: could not write the ${kind} cache (the data is loaded; the next start downloads again)`, { path: this.#cachePath(kind), error: String(error) });
      }
    }
    return outcome;
  }

  async #loadCache(kind: AliasKind): Promise<void> {
    const path = this.#cachePath(kind);
    const file = Bun.file(path);
    if (!(await file.exists())) return;
    try {
      this.#accept(kind, await readBounded(path, this.options.maxBytes), "cache", path);
    } catch (error) {
      this.hooks.log("warn", `aliases: the ${kind} cache could not be read`, { path, error: String(error) });
    }
  }

  #accept(kind: AliasKind, text: string, from: "cache" | "download" | "file", where: string): LoadOutcome {
    const parsed = parseAliasData(kind, text);
    if (!parsed.ok) return this.#failed(kind, where, parsed.reason);
    if (parsed.table.size === 0) return this.#failed(kind, where, "no usable entries");
    this.tables[kind] = parsed.table;
    this.counters.loads++;
    const outcome: LoadOutcome = { ok: true, source: from, entries: parsed.table.size, skipped: parsed.skipped, bytes: parsed.table.bytes };
    this.hooks.log("info", `aliases: ${parsed.table.size} ${kind} loaded from ${from === "cache" ? "the cache" : from === "file" ? "the file" : "the download"}`, {
      kind,
      source: redactUrl(where),
      entries: parsed.table.size,
      skipped: parsed.skipped,
      tableBytes: parsed.table.bytes,
    });
    try {
      this.hooks.onLoaded(kind, parsed.table);
    } catch (error) {
      this.hooks.log("error", "aliases: could not hand the table over", { kind, error: String(error) });
    }
    return outcome;
  }

  #failed(kind: AliasKind, where: string, reason: string): LoadOutcome {
    this.counters.failures++;
    const kept = this.tables[kind].size;
    this.hooks.log("warn", `aliases: loading ${kind} failed (${reason}); ${kept > 0 ? `keeping the ${kept} already loaded` : "no names yet"}`, { kind, source: redactUrl(where), reason, kept });
    return { ok: false, reason };
  }

  #cachePath(kind: AliasKind): string {
    return join(this.options.cacheDirectory === "" ? "." : this.options.cacheDirectory, `aliases-${kind}.cache`);
  }
}

export function isUrl(source: string): boolean {
  return source.startsWith("http://") || source.startsWith("https://");
}

/** A URL for the log without user:password or query (tokens). */
function redactUrl(source: string): string {
  if (!isUrl(source)) return source;
  try {
    const u = new URL(source);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(url)";
  }
}

/** GET with a timeout over the whole download and a size bound (Content-Length and while reading). */
export async function download(url: string, timeoutMs: number, maxBytes: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: "follow", headers: { "user-agent": "freedmr" } });
  } catch (error) {
    throw new Error(signal.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `download failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`larger than max_download_bytes (${declared} > ${maxBytes})`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new Error(`larger than max_download_bytes (more than ${maxBytes} bytes)`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`no complete answer within ${Math.round(timeoutMs / 1000)} s`);
    throw error;
  }
  return new TextDecoder().decode(Buffer.concat(chunks, total));
}

async function readBounded(path: string, maxBytes: number): Promise<string> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new Error(`no such file: ${path}`);
  if (file.size > maxBytes) throw new Error(`larger than max_download_bytes (${file.size} > ${maxBytes})`);
  return file.text();
}

/** Write to a temporary file in the same directory, then rename over the target (atomic on POSIX). */
function writeAtomically(path: string, text: string): void {
  const dir = path.slice(0, Math.max(0, path.lastIndexOf("/"))) || ".";
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
