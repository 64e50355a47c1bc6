/**
 * Operator mistakes from the command line (`bun src/main.ts`): limits that would exhaust the
 * machine's memory, an http.bind_address that does not resolve, TOML syntax errors, unreadable
 * files, a port already taken, a config that enables nothing. Each is told in plain words, naming
 * the key, with exit 2 for a bad config (1 for a failure to start) and never a JavaScript stack trace.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliIn, fatalMessage, MAIN } from "./support/cli_run.ts";
import { startFreedmr } from "./support/freedmr_process.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-operator-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const { run, file } = cliIn(work);

/** A JavaScript stack frame ("    at fn (file.ts:1:2)") or a serialized stack. */
const STACK = /^\s+at .+[:(]|"stack"|Error: .*\n\s+at /m;

const quiet = '[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\npassphrase = "not-the-default"\n';

describe("operator errors are plain words, never stack traces", () => {
  test("routing.max_streams = 1000000: --check-config and serving both exit 2 naming the key, before allocating", () => {
    const path = file("streams.toml", `${quiet}[routing]\nmax_streams = 1000000\n`);
    for (const args of [["--check-config", path], ["--config", path]]) {
      const { exitCode, stdout, stderr } = run(args);
      expect(exitCode).toBe(2);
      expect(stderr).toContain("routing.max_streams: got 1000000, expected at most about ");
      expect(stderr).toContain("above the 1.0 GiB limit");
      expect(stdout + stderr).not.toMatch(STACK);
      expect(stdout).not.toContain("freedmr starting");
    }
  }, 60_000);

  test("--check-config prints the memory estimate of a valid config", () => {
    const path = file("fine.toml", `${quiet}[routing]\nmax_streams = 4096\n`);
    const { exitCode, stdout } = run(["--check-config", path]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/\nmemory: about \d+\.\d MiB allocated at start, up to \d+\.\d MiB with every table full \(largest: .*routing\.max_streams 4096: 8\.0 MiB/);
  }, 60_000);

  test("an http.bind_address that cannot resolve fails --check-config (exit 2) naming the key", () => {
    // not a host name at all, so nothing is sent to a name server
    const path = file("http.toml", `${quiet}[http]\nenabled = true\nport = 0\nbind_address = "status host"\n`);
    for (const args of [["--check-config", path], ["--config", path]]) {
      const { exitCode, stdout, stderr } = run(args);
      expect(exitCode).toBe(2);
      expect(stderr).toContain('http.bind_address: got "status host", expected a literal IP address');
      expect(stdout + stderr).not.toMatch(STACK);
    }
  }, 60_000);

  test("a TOML syntax error names the line and column and shows them", () => {
    const path = file("syntax.toml", "[hbp]\nport = 1\n\nfoo bar\n");
    const { exitCode, stderr } = run(["--check-config", path]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`${path}: TOML syntax error at line 4, column 5: expected '=' after a key but found 'b'\n    foo bar\n        ^\n`);
    expect(stderr).not.toContain("valid TOML");
    expect(stderr).not.toMatch(STACK);
  }, 60_000);

  test("missing file, directory, device, bad arguments: exit 2 in plain words", () => {
    const cases: [string[], string][] = [
      [["--config", join(work, "nope.toml")], "no such file (ENOENT)"],
      [["--check-config", join(work, "nope.toml")], "no such file (ENOENT)"],
      [["--config", work], "it is a directory"],
      [["--check-config", "/dev/zero"], "not a regular file"],
      [["--port", "70000"], "--port needs a port number"],
      [["--config"], "--config needs a value"],
      [["--check-config", join(work, "x.toml"), "--port", "1"], "only apply when serving"],
    ];
    for (const [args, words] of cases) {
      const { exitCode, stdout, stderr } = run(args);
      expect(exitCode).toBe(2);
      expect(stderr).toContain(words);
      expect(stdout + stderr).not.toMatch(STACK);
    }
  }, 60_000);

  test("the dashboard/API port already taken: voice keeps running, the log says why in plain words naming the keys", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const path = file("http_taken.toml", `${quiet}[log]\nformat = "json"\n[http]\nenabled = true\nbind_address = "127.0.0.1"\nport = ${taken.port}\n`);
      const server = await startFreedmr([process.execPath, MAIN, "--config", path], { cwd: work });
      try {
        const deadline = Date.now() + 20_000;
        let line = server.lines.find((l) => String(l.msg).startsWith("the dashboard and HTTP API are not available"));
        while (line === undefined && Date.now() < deadline) {
          await Bun.sleep(20);
          line = server.lines.find((l) => String(l.msg).startsWith("the dashboard and HTTP API are not available"));
        }
        expect(line?.msg).toBe("the dashboard and HTTP API are not available (voice is not affected)");
        expect(String((line as Record<string, unknown> | undefined)?.["error"])).toContain(`cannot listen on TCP 127.0.0.1:${taken.port} (http.bind_address, http.port) [EADDRINUSE]`);
        expect(server.stdoutText()).not.toMatch(STACK);
      } finally {
        expect(await server.stop("SIGTERM")).toBe(0);
      }
    } finally {
      taken.stop(true);
    }
  }, 60_000);

  test("an OpenBridge link's port already taken is blamed on that link's keys, not on the HBP port", async () => {
    const taken = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    try {
      const path = file(
        "link_taken.toml",
        `${quiet}[log]\nformat = "json"\n[server]\nserver_id = 1\n[[openbridge]]\nname = "peer"\nbind_address = "127.0.0.1"\nport = ${taken.port}\ntarget_address = "127.0.0.1"\ntarget_port = 9\npassphrase = "x"\nnetwork_id = 2\n`,
      );
      const { exitCode, stdout, stderr } = run(["--config", path]);
      expect(exitCode).toBe(1);
      expect(fatalMessage(stdout)).toBe(
        `freedmr could not start: UDP port ${taken.port} on 127.0.0.1 is already in use (openbridge[0].port, openbridge[0].bind_address)`,
      );
      expect(stdout + stderr).not.toMatch(STACK);
    } finally {
      taken.close();
    }
  }, 60_000);

  test("hbp.enabled = false with no link: the server warns that it has nothing to serve", async () => {
    // the status API on (it serves no DMR): its "HTTP status API on" line tells the server is up
    const path = file("idle.toml", '[log]\nformat = "json"\n[hbp]\nenabled = false\n[http]\nenabled = true\nbind_address = "127.0.0.1"\nport = 0\n');
    const checked = run(["--check-config", path]);
    expect(checked.exitCode).toBe(0);
    expect(checked.stderr).toContain("warning: nothing to serve: hbp.enabled is false and no [[openbridge]] or [[upstream]] link is enabled");

    const child = Bun.spawn([process.execPath, MAIN, "--config", path], { cwd: work, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const lines: Record<string, unknown>[] = [];
    const decoder = new TextDecoder();
    let partial = "";
    let warned = false;
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    for await (const chunk of child.stdout) {
      partial += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = partial.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(partial.slice(0, newline)) as Record<string, unknown>);
        partial = partial.slice(newline + 1);
      }
      if (!warned && lines.some((line) => String(line["msg"]).startsWith("dashboard and API on"))) {
        warned = lines.some((line) => line["level"] === "warn" && String(line["msg"]).startsWith("nothing to serve"));
        child.kill("SIGTERM");
      }
    }
    clearTimeout(killer);
    expect(warned).toBe(true);
    expect(await child.exited).toBe(0);
  }, 60_000);
});
