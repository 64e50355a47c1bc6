/**
 * Run freedmr (from source or a compiled binary, optionally under qemu) as a child process with
 * JSON logs, wait until the HBP master says it is listening, and read the port it bound from that
 * log line (the tests pass --port 0, so the port is chosen at run time).
 */
import type { Subprocess } from "bun";

export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface FreedmrProcess {
  readonly process: Subprocess<"ignore", "pipe", "pipe">;
  /** UDP port of the HBP master, from the "listening on UDP" log line. */
  readonly port: number;
  /** Every stdout line so far, parsed (non-JSON lines are kept as { msg }). */
  readonly lines: LogLine[];
  stdoutText(): string;
  stderrText(): string;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** How long to wait for the listening line (qemu start-up is ~1–2 s; allow for a busy machine). */
  readonly timeoutMs?: number;
}

export async function startFreedmr(command: readonly string[], options: StartOptions = {}): Promise<FreedmrProcess> {
  const child = Bun.spawn([...command], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: LogLine[] = [];
  let stdout = "";
  let stderr = "";
  let listeningPort: number | undefined;
  let onListening: (() => void) | undefined;

  const pumpStdout = (async () => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of child.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      stdout += text;
      partial += text;
      let newline = partial.indexOf("\n");
      while (newline >= 0) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        newline = partial.indexOf("\n");
        if (line.trim() === "") continue;
        let parsed: LogLine;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          parsed = { msg: line };
        }
        lines.push(parsed);
        if (listeningPort === undefined && parsed.socket === "hbp" && typeof parsed.port === "number" && String(parsed.msg).startsWith("listening on UDP")) {
          listeningPort = parsed.port;
          onListening?.();
        }
      }
    }
  })();
  const pumpStderr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();

  const timeoutMs = options.timeoutMs ?? 20000;
  const outcome = await new Promise<"listening" | "exited" | "timeout">((resolve) => {
    if (listeningPort !== undefined) return resolve("listening");
    onListening = () => resolve("listening");
    const timer = setTimeout(() => resolve("timeout"), timeoutMs);
    void child.exited.then(() => {
      clearTimeout(timer);
      // let the stdout pump drain before deciding
      void pumpStdout.then(() => resolve(listeningPort !== undefined ? "listening" : "exited"));
    });
  });
  if (outcome !== "listening") {
    child.kill("SIGKILL");
    await child.exited;
    await Promise.all([pumpStdout, pumpStderr]);
    throw new Error(`freedmr did not start listening (${outcome}, exit ${child.exitCode}):\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }

  return {
    process: child,
    port: listeningPort!,
    lines,
    stdoutText: () => stdout,
    stderrText: () => stderr,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      const code = await child.exited;
      await Promise.all([pumpStdout, pumpStderr]);
      return code;
    },
  };
}

/** The dashboard URL from the server's "dashboard and API on …" log line (waits up to 20 s). */
export async function dashboardUrl(server: FreedmrProcess): Promise<string> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const line = server.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("dashboard and API on"));
    if (line !== undefined) return String(line["url"]);
    if (performance.now() > deadline) throw new Error(`no dashboard line in the log:\n${server.stdoutText()}\n${server.stderrText()}`);
    await Bun.sleep(20);
  }
}
