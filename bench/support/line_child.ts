/**
 * A benchmark helper process spoken to in lines: commands on its stdin, replies on its stdout
 * (`waitFor(/^RESULT (.*)$/)`). Optionally pinned to one core with taskset.
 * @module
 */
import { killOnExit, TASKSET } from "./server_process.ts";

export class LineChild {
  readonly process: Bun.Subprocess<"pipe", "pipe", "inherit">;
  #lines: string[] = [];
  #partial = "";
  #waiters: (() => void)[] = [];
  #done = false;

  constructor(argv: string[], core: number | null, prefix: readonly string[] = []) {
    const base = [...prefix, ...argv];
    const cmd = core !== null && TASKSET !== null ? [TASKSET, "-c", String(core), ...base] : base;
    this.process = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    killOnExit(this.process);
    void this.#pump();
  }

  get pid(): number {
    return this.process.pid;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.process.stdout) {
        this.#partial += decoder.decode(chunk);
        let nl: number;
        while ((nl = this.#partial.indexOf("\n")) >= 0) {
          this.#lines.push(this.#partial.slice(0, nl));
          this.#partial = this.#partial.slice(nl + 1);
        }
        this.#wake();
      }
    } catch {}
    this.#done = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** The first line (since the last match) matching `pattern`; its match. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#lines.length > 0) {
        const m = pattern.exec(this.#lines.shift()!);
        if (m !== null) return m;
      }
      if (this.#done) throw new Error(`child ${this.pid} ended before ${pattern}`);
      if (Date.now() > deadline) throw new Error(`child ${this.pid}: no ${pattern} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.process.stdin.write(line + "\n");
    this.process.stdin.flush();
  }

  async end(): Promise<void> {
    try {
      this.process.stdin.end();
    } catch {}
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 5000);
    await this.process.exited;
    clearTimeout(timer);
  }
}
