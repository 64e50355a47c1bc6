/**
 * The CLI run from source as a subprocess (`bun src/main.ts ...`): exit codes, output streams, and
 * that a bad config exits 2 before any socket is opened.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliIn } from "./support/cli_run.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const { run, file } = cliIn(work);

describe("freedmr CLI (from source)", () => {
  test("--version prints the version on stdout", () => {
    const { exitCode, stdout } = run(["--version"]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^freedmr \d+\.\d+\.\d+\S* \(commit \S+, bun \d+\.\d+\.\d+, linux-(x64|arm64)\)\n$/);
  });

  test("--help lists every option", () => {
    const { exitCode, stdout } = run(["--help"]);
    expect(exitCode).toBe(0);
    for (const option of ["--config", "--check-config", "--print-default-config", "--print-config-schema", "--version", "--help", "--port"]) {
      expect(stdout).toContain(option);
    }
  });

  test("bad arguments exit 2 with a hint", () => {
    const { exitCode, stdout, stderr } = run(["--prot", "1"]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('unknown option "--prot"');
    expect(stderr).toContain("--help");
  });

  test("--print-default-config output passes --check-config", () => {
    const printed = run(["--print-default-config"]);
    expect(printed.exitCode).toBe(0);
    const path = file("default.toml", printed.stdout);
    const checked = run(["--check-config", path]);
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toStartWith(`OK: ${path} is a valid freedmr config\nmemory: about `);
    // the default passphrase is valid but warned about
    expect(checked.stderr).toContain("warning: hbp.passphrase is the public default");
  });

  test("--check-config prints every problem and exits 2", () => {
    const path = file("bad.toml", '[hbp]\nprot = 62031\npeer_timeout_seconds = 1\nregistration_acl = "PERMIT:"\n[log]\nlevel = "verbose"\n');
    const { exitCode, stdout, stderr } = run(["--check-config", path]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`${path}: hbp.prot: unknown key (set to 62031); did you mean "port"?`);
    expect(stderr).toContain(`${path}: hbp.peer_timeout_seconds: got 1, expected an integer from 5 to 3600`);
    expect(stderr).toContain(`${path}: hbp.registration_acl: got "PERMIT:"`);
    expect(stderr).toContain(`${path}: log.level: got "verbose", expected one of`);
    expect(stderr).toContain("4 problems found");
  });

  test("--check-config of a JSON file", () => {
    const path = file("ok.json", JSON.stringify({ hbp: { port: 40001, passphrase: "not-the-default" } }));
    const { exitCode, stderr } = run(["--check-config", path]);
    expect(exitCode).toBe(0);
    expect(stderr).toBe("");
  });

  test("--print-config-schema prints JSON Schema", () => {
    const { exitCode, stdout } = run(["--print-config-schema"]);
    expect(exitCode).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema["title"]).toBe("freedmr configuration");
    expect(schema["$id"]).toBeDefined();
  });

  test("a bad config exits 2 naming the key, without opening any socket (its port is occupied)", () => {
    const occupied = Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    return occupied.then((socket) => {
      try {
        const path = file("bad_port.toml", `[hbp]\nbind_addresses = ["127.0.0.1"]\nport = ${socket.port}\npasphrase = "hunter2"\n`);
        const { exitCode, stderr } = run(["--config", path]);
        expect(exitCode).toBe(2);
        expect(stderr).toContain('hbp.pasphrase: unknown key (set to (hidden)); did you mean "passphrase"?');
        expect(stderr).not.toContain("hunter2");
        expect(stderr).not.toContain("EADDRINUSE");
      } finally {
        socket.close();
      }
    });
  });

  test("a bad override exits 2 naming the key", () => {
    const { exitCode, stderr } = run(["--log-level", "loud"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('log.level: got "loud"');
  });

  test("a missing config file exits 2", () => {
    const { exitCode, stderr } = run(["--config", join(work, "nope.toml")]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("nope.toml");
  });
});
