/**
 * `freedmr --first-boot CONFIG` and `hbp.passphrase_file`, from source as a subprocess: the file is
 * created once (0600, 32 random hex characters), kept afterwards, and the server logs hotspots in
 * with it over real UDP; a missing or malformed file, or both passphrase keys, exit 2 naming the key
 * and path before any socket opens; --check-config only warns (the file belongs to the machine).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr } from "./support/freedmr_process.ts";

const main = join(import.meta.dir, "..", "..", "src", "main.ts");
const work = mkdtempSync(join(tmpdir(), "freedmr-first-boot-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** A machine: a config naming `<dir>/state/passphrase`, with the state directory present. */
function machine(name: string, extra = ""): { dir: string; config: string; secret: string } {
  const dir = join(work, name);
  mkdirSync(join(dir, "state"), { recursive: true });
  const config = join(dir, "freedmr.toml");
  writeFileSync(config, `[log]\nformat = "json"\nlevel = "trace"\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\npassphrase_file = "state/passphrase"\n${extra}`);
  return { dir, config, secret: join(dir, "state", "passphrase") };
}

const HEX32 = /^[0-9a-f]{32}\n$/;

describe("freedmr --first-boot", () => {
  test("creates the passphrase file once: 0600, 32 random hex characters, kept on the next run", () => {
    const a = machine("once-a");
    const first = run(["--first-boot", a.config]);
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(`created ${a.secret} with this machine's own random hotspot passphrase`);
    expect(first.stdout).toContain(`sudo cat ${a.secret}`);
    const text = readFileSync(a.secret, "utf8");
    expect(text).toMatch(HEX32);
    expect(first.stdout).not.toContain(text.trim()); // the secret is never printed
    expect(statSync(a.secret).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(a.dir, "state"))).toEqual(["passphrase"]); // no temporary file left

    const again = run(["--first-boot", a.config]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(`hotspot passphrase in ${a.secret} (kept)`);
    expect(readFileSync(a.secret, "utf8")).toBe(text);

    const b = machine("once-b");
    expect(run(["--first-boot", b.config]).exitCode).toBe(0);
    expect(readFileSync(b.secret, "utf8")).toMatch(HEX32);
    expect(readFileSync(b.secret, "utf8")).not.toBe(text);
  });

  test("an owner's own passphrase in the file is kept", () => {
    const m = machine("owned");
    writeFileSync(m.secret, "my-own-secret\n", { mode: 0o600 });
    const result = run(["--first-boot", m.config]);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(m.secret, "utf8")).toBe("my-own-secret\n");
  });

  test("a config without hbp.passphrase_file: nothing to do, nothing written", () => {
    const dir = join(work, "plain");
    mkdirSync(dir);
    const config = join(dir, "freedmr.toml");
    writeFileSync(config, '[hbp]\npassphrase = "literal-secret"\n');
    const result = run(["--first-boot", config]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("nothing to do");
    expect(readdirSync(dir)).toEqual(["freedmr.toml"]);
  });

  test("an invalid config exits 2 and creates nothing", () => {
    const m = machine("invalid", "bogus_key = 1\n");
    const result = run(["--first-boot", m.config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("hbp.bogus_key: unknown key");
    expect(existsSync(m.secret)).toBe(false);
  });

  test("a state directory that does not exist exits 1 naming the file", () => {
    const m = machine("no-state-dir");
    rmSync(join(m.dir, "state"), { recursive: true });
    const result = run(["--first-boot", m.config]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`cannot create ${m.secret} (hbp.passphrase_file)`);
  });

  test("--first-boot needs a file and is a command of its own", () => {
    expect(run(["--first-boot"]).stderr).toContain("--first-boot needs a value");
    expect(run(["--first-boot", "a.toml", "--check-config", "a.toml"]).exitCode).toBe(2);
  });
});

describe("serving with hbp.passphrase_file", () => {
  test("hotspots log in with the file's passphrase, not the default; the secret is never logged", async () => {
    const m = machine("serve");
    expect(run(["--first-boot", m.config]).exitCode).toBe(0);
    const secret = readFileSync(m.secret, "utf8").trim();
    const server = await startFreedmr([process.execPath, main, "--config", m.config], { cwd: work });
    let good: HbpClient | undefined;
    let bad: HbpClient | undefined;
    try {
      good = await HbpClient.open({ serverPort: server.port, repeaterId: 2345611, passphrase: secret });
      expect((await good.tryLogin()).ok).toBe(true);
      expect(await good.ping()).toBe(true);
      bad = await HbpClient.open({ serverPort: server.port, repeaterId: 2345612, passphrase: "passw0rd" });
      const refused = await bad.tryLogin();
      expect(refused).toMatchObject({ ok: false, stage: "rptk", reason: "nak" });
    } finally {
      await good?.close();
      await bad?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.stdoutText()).not.toContain(secret);
    expect(server.stdoutText()).not.toContain("public default"); // the file's passphrase is not the default
  });

  test("a missing file exits 2 naming the key and the path, before any socket opens", () => {
    const m = machine("missing");
    const result = run(["--config", m.config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`hbp.passphrase_file: got "${m.secret}", expected a readable file holding the passphrase (it does not exist`);
    expect(result.stdout).not.toContain("listening");
  });

  test.each([
    ["empty", "", "(it is empty)"],
    ["two lines", "one\ntwo\n", "(it has more than one line)"],
    ["too long", `${"x".repeat(257)}\n`, "(it has 257 characters)"],
  ])("a file that is %s exits 2 naming the key and path", (name, content, reason) => {
    const m = machine(`bad-${name.replace(" ", "-")}`);
    writeFileSync(m.secret, content);
    const result = run(["--config", m.config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`hbp.passphrase_file: got "${m.secret}", expected a file holding the passphrase on one line`);
    expect(result.stderr).toContain(reason);
  });

  test("a file unreadable by the server exits 2 saying so", () => {
    // root reads every file: as root, run freedmr as nobody (setpriv), from a directory it can read
    const asRoot = process.getuid?.() === 0;
    const setpriv = Bun.which("setpriv");
    if (asRoot && setpriv === null) throw new Error("running as root needs setpriv (util-linux) to drop privileges");
    const dir = mkdtempSync(join(tmpdir(), "freedmr-unreadable-"));
    try {
      chmodSync(dir, 0o755);
      const config = join(dir, "freedmr.toml");
      writeFileSync(config, '[hbp]\nport = 0\npassphrase_file = "secret"\n', { mode: 0o644 });
      writeFileSync(join(dir, "secret"), "secret\n", { mode: asRoot ? 0o600 : 0o000 });
      const prefix = asRoot ? [setpriv!, "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
      const result = Bun.spawnSync([...prefix, process.execPath, main, "--config", config], { cwd: dir, stdout: "pipe", stderr: "pipe" });
      expect(result.exitCode).toBe(2);
      expect(result.stderr.toString()).toContain(`hbp.passphrase_file: got "${join(dir, "secret")}", expected a readable file holding the passphrase (permission denied`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("passphrase and passphrase_file together are refused, naming the key", () => {
    const m = machine("both", 'passphrase = "literal"\n');
    writeFileSync(m.secret, "from-file\n");
    for (const args of [["--config", m.config], ["--check-config", m.config], ["--first-boot", m.config]]) {
      const result = run(args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("hbp.passphrase_file: either hbp.passphrase or hbp.passphrase_file, not both");
      expect(result.stderr).not.toContain("literal");
    }
  });

  test("--check-config warns about a missing file but passes (it is created at first boot)", () => {
    const m = machine("check-missing");
    const result = run(["--check-config", m.config]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`warning: hbp.passphrase_file: got "${m.secret}"`);
    expect(result.stderr).toContain("freedmr will refuse to start until this is fixed");
    expect(result.stderr).not.toContain("public default"); // the passphrase is not known yet, not the default
  });

  test("--check-config reads an existing file: the default passphrase in it is warned about", () => {
    const m = machine("check-default");
    writeFileSync(m.secret, "passw0rd\n");
    const result = run(["--check-config", m.config]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("hbp.passphrase is the public default");
  });
});
