/**
 * install.sh against a local HTTP server (Bun.serve on an ephemeral port) serving a dist directory,
 * installing into a temporary root (FREEDMR_ROOT): no user is created, systemd is not touched, and
 * nothing outside the temporary directories changes. Most cases use a small fake binary (a shell
 * script that answers --version / --print-default-config / --check-config); one uses the real
 * compiled x64 binary, fetched the way users do: `curl -fsSL <base>/install.sh | sh`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { DistServer, installScript, runAsync as runIn, sha256, writeFakeDist, writeRealDist, type FakeDistOptions, type RunResult } from "./support/dist_server.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-install-"));
const isX64 = process.arch === "x64" && process.platform === "linux";
const server = new DistServer();
afterAll(() => {
  server.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A served dist directory with fake binaries for both architectures. */
function fakeDist(name: string, version: string, options: FakeDistOptions = {}): string {
  const dir = join(work, "dist", name);
  writeFakeDist(dir, version, options);
  return server.serve(name, dir);
}

function runAsync(command: string[], env: Record<string, string>): Promise<RunResult> {
  return runIn(command, { cwd: work, env });
}

function installerEnv(root: string, base: string, env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TMPDIR: work, FREEDMR_BASE_URL: base, FREEDMR_ROOT: root, FREEDMR_ARCH: "x86_64", ...env };
}

function runInstaller(root: string, base: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
  return runAsync(["sh", installScript, ...args], installerEnv(root, base, env));
}

function newRoot(name: string): string {
  const root = join(work, "roots", name);
  mkdirSync(root, { recursive: true });
  return root;
}

const mode = (path: string): number => statSync(path).mode & 0o777;
const PASSPHRASE_LINE = /^passphrase = "([0-9a-f]{32})"$/m;

describe("install.sh", () => {
  test("is POSIX sh: parses under dash and is shellcheck-clean", async () => {
    expect(Bun.spawnSync(["dash", "-n", installScript]).exitCode).toBe(0);
    const shellcheck = Bun.which("shellcheck");
    if (shellcheck === null) {
      if (process.env.CI === "true") throw new Error("shellcheck is required in CI (.ci/run installs it)");
      console.log("shellcheck not installed: lint skipped");
      return;
    }
    const result = Bun.spawnSync([shellcheck, "-s", "sh", installScript], { stdout: "pipe" });
    expect(result.stdout.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test.if(isX64)(
    "curl | sh with the real x64 binary: binary, config with a random passphrase that passes --check-config, state dir, hardened unit",
    async () => {
      const binary = await ensureBinary("x64");
      const dir = join(work, "dist", "real");
      writeRealDist(dir, { x64: binary });
      const base = server.serve("real", dir);
      const root = newRoot("real");

      const env = installerEnv(root, base);
      delete env["FREEDMR_ARCH"]; // detected from uname -m
      const result = await runAsync(["sh", "-c", `curl -fsSL --max-time 60 "${base}/install.sh" | sh`], env);
      const stdout = result.stdout;
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(stdout).toContain("checksum OK");
      expect(stdout).toContain("skipped (not a system install): create system user freedmr");
      expect(stdout).toContain("skipped (systemd not running or not a system install)");

      const installed = join(root, "usr/local/bin/freedmr");
      expect(mode(installed)).toBe(0o755);
      // nothing of the new binary is left in the page cache (install.sh drops it: a file just
      // written may sit in large folios the server's start-up page release cannot hand back)
      const fincore = Bun.which("fincore");
      if (fincore === null) {
        if (process.env.CI === "true") throw new Error("fincore is required in CI (.ci/run installs util-linux-extra)");
        console.warn("fincore (util-linux-extra) is not installed: the installed binary's page cache is not checked");
      } else expect(Bun.spawnSync([fincore, "--bytes", "--noheadings", "--output", "RES", installed]).stdout.toString().trim()).toBe("0");
      expect(sha256(installed)).toBe(sha256(binary));

      const config = join(root, "etc/freedmr/freedmr.toml");
      expect(mode(config)).toBe(0o640);
      expect(mode(join(root, "etc/freedmr"))).toBe(0o750);
      expect(mode(join(root, "var/lib/freedmr"))).toBe(0o750);
      const text = readFileSync(config, "utf8");
      const passphrase = PASSPHRASE_LINE.exec(text)?.[1];
      expect(passphrase).toBeDefined();
      expect(text).not.toMatch(/^passphrase = "passw0rd"$/m);
      expect(stdout).toContain(`hotspot passphrase (Pi-Star: DMR Master password): ${passphrase}`);
      expect(stdout).toContain("Point your hotspot at this machine, UDP port 62031");
      // generated by the installed binary: the full commented default, only the passphrase changed
      // and the state store pointed at the state directory
      const defaults = Bun.spawnSync([installed, "--print-default-config"]).stdout.toString();
      expect(text).toMatch(/\n\[store\]\n[^[]*\ndirectory = "\/var\/lib\/freedmr"\n/);
      expect(text).toBe(
        defaults.replace('\npassphrase = "passw0rd"\n', `\npassphrase = "${passphrase}"\n`).replace(/(\n\[store\]\n[^[]*?\n)directory = ""\n/, '$1directory = "/var/lib/freedmr"\n'),
      );
      const check = Bun.spawnSync([installed, "--check-config", config], { stdout: "pipe", stderr: "pipe" });
      expect(check.exitCode).toBe(0);
      expect(check.stderr.toString()).toBe(""); // no default-passphrase warning

      const unit = readFileSync(join(root, "etc/systemd/system/freedmr.service"), "utf8");
      expect(mode(join(root, "etc/systemd/system/freedmr.service"))).toBe(0o644);
      for (const line of [
        "ExecStartPre=-/usr/local/bin/freedmr --first-boot /etc/freedmr/freedmr.toml",
        "ExecStart=/usr/local/bin/freedmr --config /etc/freedmr/freedmr.toml",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "WorkingDirectory=/var/lib/freedmr",
        "StateDirectory=freedmr",
        "User=freedmr",
        "Restart=on-failure",
        "RestartPreventExitStatus=2",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/freedmr",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "WantedBy=multi-user.target",
      ]) {
        expect(unit).toContain(`\n${line}\n`);
      }
      expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m); // the JIT needs W+X pages
      expect(unit).not.toContain(root); // paths in the unit are the real ones, not the staging root

      // the service has no CAP_NET_ADMIN: the receive buffer it asks for needs net.core.rmem_max
      const sysctl = readFileSync(join(root, "etc/sysctl.d/60-freedmr.conf"), "utf8");
      expect(sysctl).toMatch(/^net\.core\.rmem_max = 4194304$/m);
      const defaultBuffer = /^receive_buffer_bytes = (\d+)$/m.exec(text)?.[1];
      expect(sysctl).toContain(`net.core.rmem_max = ${defaultBuffer}`);
    },
    600_000,
  );

  test("two installs get different random passphrases", async () => {
    const base = fakeDist("v1", "1.0.0");
    const passphrases: (string | undefined)[] = [];
    for (const name of ["a", "b"]) {
      const root = newRoot(`random-${name}`);
      expect((await runInstaller(root, base)).exitCode).toBe(0);
      passphrases.push(PASSPHRASE_LINE.exec(readFileSync(join(root, "etc/freedmr/freedmr.toml"), "utf8"))?.[1]);
    }
    expect(passphrases[0]).toBeDefined();
    expect(passphrases[1]).toBeDefined();
    expect(passphrases[0]).not.toBe(passphrases[1]);
  });

  test("re-running upgrades the binary in place and keeps the existing config", async () => {
    const root = newRoot("upgrade");
    expect((await runInstaller(root, fakeDist("v1", "1.0.0"))).exitCode).toBe(0);
    const config = join(root, "etc/freedmr/freedmr.toml");
    appendFileSync(config, "# my local edit\n");
    const before = readFileSync(config, "utf8");

    const result = await runInstaller(root, fakeDist("v2", "2.0.0"));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("upgrading: freedmr 1.0.0 (commit fake, bun 0.0.0, linux-x64) -> freedmr 2.0.0");
    expect(result.stdout).toContain("keeping existing /etc/freedmr/freedmr.toml");
    expect(readFileSync(config, "utf8")).toBe(before);
    const version = Bun.spawnSync([join(root, "usr/local/bin/freedmr"), "--version"]).stdout.toString();
    expect(version).toStartWith("freedmr 2.0.0");
  });

  test("the instructions name the configured port (hbp.port), not always 62031", async () => {
    const root = newRoot("port");
    const base = fakeDist("v1", "1.0.0");
    const first = await runInstaller(root, base);
    expect(first.stdout).toContain("UDP port 62031 (see /etc/freedmr/freedmr.toml)");
    const config = join(root, "etc/freedmr/freedmr.toml");
    // a port in another table is not hbp.port; the one under [hbp] is
    writeFileSync(config, readFileSync(config, "utf8").replace("port = 62031", "port = 40123  # moved") + "\n[http]\nport = 8080\n");
    const again = await runInstaller(root, base);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("UDP port 40123 (see /etc/freedmr/freedmr.toml)");
  });

  test("an upgrade whose new version rejects the existing config changes nothing", async () => {
    const root = newRoot("upgrade-invalid");
    expect((await runInstaller(root, fakeDist("v1", "1.0.0"))).exitCode).toBe(0);
    const config = join(root, "etc/freedmr/freedmr.toml");
    appendFileSync(config, "# INVALID\n");
    const result = await runInstaller(root, fakeDist("v2", "2.0.0"));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("hbp.bogus: unknown key");
    expect(result.stderr).toContain("nothing was changed");
    const version = Bun.spawnSync([join(root, "usr/local/bin/freedmr"), "--version"]).stdout.toString();
    expect(version).toStartWith("freedmr 1.0.0");
  });

  test("a checksum mismatch is refused and nothing is installed", async () => {
    const root = newRoot("corrupt");
    const result = await runInstaller(root, fakeDist("corrupt", "1.0.0", { corrupt: true }));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("checksum mismatch for freedmr-linux-x64");
    expect(existsSync(join(root, "usr"))).toBe(false);
    expect(existsSync(join(root, "etc"))).toBe(false);
    expect(existsSync(join(root, "var"))).toBe(false);
  });

  test("a binary missing from SHA256SUMS is refused", async () => {
    const root = newRoot("no-entry");
    const result = await runInstaller(root, fakeDist("no-entry", "1.0.0", { omitEntry: true }));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("SHA256SUMS has no entry for freedmr-linux-x64");
    expect(existsSync(join(root, "usr"))).toBe(false);
  });

  test("a download that fails (404) is refused", async () => {
    const root = newRoot("404");
    const result = await runInstaller(root, `${server.baseUrl}/nothing-here`);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("download failed");
    expect(existsSync(join(root, "usr"))).toBe(false);
  });

  test("aarch64 installs the arm64 binary", async () => {
    const root = newRoot("arm64");
    const result = await runInstaller(root, fakeDist("v1", "1.0.0"), [], { FREEDMR_ARCH: "aarch64" });
    expect(result.exitCode).toBe(0);
    const version = Bun.spawnSync([join(root, "usr/local/bin/freedmr"), "--version"]).stdout.toString();
    expect(version).toContain("linux-arm64");
  });

  test.each([
    ["mips64", 'unsupported machine type "mips64"'],
    ["armv7l", "32-bit ARM system (armv7l); freedmr needs a 64-bit OS"],
  ])("machine type %s is refused", async (machine, message) => {
    const root = newRoot(`arch-${machine}`);
    const result = await runInstaller(root, fakeDist("v1", "1.0.0"), [], { FREEDMR_ARCH: machine });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(root, "usr"))).toBe(false);
  });

  test("--uninstall removes binary and unit, keeps config and data", async () => {
    const root = newRoot("uninstall");
    const base = fakeDist("v1", "1.0.0");
    expect((await runInstaller(root, base)).exitCode).toBe(0);
    writeFileSync(join(root, "var/lib/freedmr/state.db"), "data");
    const result = await runInstaller(root, base, ["--uninstall"]);
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(root, "usr/local/bin/freedmr"))).toBe(false);
    expect(existsSync(join(root, "etc/systemd/system/freedmr.service"))).toBe(false);
    expect(existsSync(join(root, "etc/sysctl.d/60-freedmr.conf"))).toBe(false);
    expect(existsSync(join(root, "etc/freedmr/freedmr.toml"))).toBe(true);
    expect(readFileSync(join(root, "var/lib/freedmr/state.db"), "utf8")).toBe("data");
    expect(result.stdout).toContain("kept /etc/freedmr, /var/lib/freedmr");
    // and installing again picks the kept config up
    const again = await runInstaller(root, base);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("keeping existing /etc/freedmr/freedmr.toml");
  });

  test("unknown arguments are refused with usage", async () => {
    const result = await runInstaller(newRoot("bad-arg"), fakeDist("v1", "1.0.0"), ["--frobnicate"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("Usage: install.sh");
    expect(result.stderr).toContain('unknown argument "--frobnicate"');
  });
});
