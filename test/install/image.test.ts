/**
 * `install.sh --image DIR` (issue 15): bake freedmr into an SD-card image's root tree once, flash it
 * many times, every card its own secret, a read-only root.
 *
 * - With fake binaries (fast, any host): what is laid out, that nothing of the image's architecture
 *   is run, that no secret is baked in, re-baking, uninstalling, refusals.
 * - With the real binaries: `systemd-analyze verify` accepts the unit (sysusers/tmpfiles files are
 *   checked with systemd-sysusers --dry-run / systemd-tmpfiles --create on a copy); two cards made
 *   from one image are "booted" (test/install/support/boot_card.sh: a private mount namespace, the
 *   card read-only except /var/lib/freedmr, chrooted, as the service user): different passphrases,
 *   each server logs a hotspot in with its own card's passphrase and refuses the other's, and no file
 *   outside the state directory changed (hash listings before/after); the arm64 binary of an arm64
 *   image runs its first boot and serves under qemu-user -cpu cortex-a53.
 *
 * Needs: root with mount namespaces (unshare, chroot), systemd's tools (systemd-sysusers,
 * systemd-analyze), and for arm64 qemu-aarch64 with the arm64 libc. Missing ones skip with a
 * message, except under CI=true as root, where .ci/run installs them and they are required.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startFreedmr } from "../cli/support/freedmr_process.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { DistServer, installScript, runAsync, sha256, writeFakeDist, writeRealDist, type RunResult } from "./support/dist_server.ts";

const inCi = process.env.CI === "true" || process.env.CI === "1";
const work = mkdtempSync(join(tmpdir(), "freedmr-image-"));
const server = new DistServer();
afterAll(() => {
  server.stop();
  rmSync(work, { recursive: true, force: true });
});

const bootScript = join(import.meta.dir, "support", "boot_card.sh");
const hostArch = process.arch === "arm64" ? "arm64" : "x64";
const otherArch = hostArch === "x64" ? "arm64" : "x64";
/** ELF e_machine (offset 18, little-endian): 62 = x86-64, 183 = AArch64, 40 = 32-bit ARM. */
const ELF_MACHINE = { x64: 62, arm64: 183, arm: 40 } as const;

// --- prerequisites -----------------------------------------------------------------------------
const systemdSysusers = Bun.which("systemd-sysusers");
const systemdAnalyze = Bun.which("systemd-analyze");
const systemdTmpfiles = Bun.which("systemd-tmpfiles");
const isRoot = process.getuid?.() === 0;
function namespacesWork(): boolean {
  if (!isRoot || Bun.which("unshare") === null || Bun.which("chroot") === null) return false;
  return Bun.spawnSync(["unshare", "--mount", "--propagation", "private", "true"], { stderr: "pipe" }).exitCode === 0;
}
const bootMissing =
  process.platform !== "linux"
    ? "not Linux"
    : !isRoot
      ? "not root (booting a card needs mount namespaces and chroot)"
      : !namespacesWork()
        ? "unshare --mount / chroot not available or not permitted here"
        : systemdSysusers === null
          ? "systemd-sysusers not installed (apt-get install systemd)"
          : null;
const verifyMissing = systemdAnalyze === null || systemdSysusers === null || systemdTmpfiles === null ? "systemd-analyze / systemd-sysusers / systemd-tmpfiles not installed (apt-get install systemd)" : null;
const qemu = Bun.which("qemu-aarch64") ?? Bun.which("qemu-aarch64-static");
// what the arm64 binary links (libc6:arm64 alone: test/binary/arm64_qemu.test.ts checks the list)
const arm64LibsPresent = existsSync("/lib/aarch64-linux-gnu/libc.so.6") && existsSync("/lib/ld-linux-aarch64.so.1");
const qemuMissing =
  bootMissing ??
  (hostArch !== "x64"
    ? "the qemu case runs on an x64 host"
    : qemu === null
      ? "qemu-aarch64 not found (apt-get install qemu-user)"
      : !arm64LibsPresent
        ? "the arm64 C library is not installed (dpkg --add-architecture arm64; apt-get install libc6:arm64)"
        : null);

// Root cannot be installed: a CI run as an ordinary user skips the boots (and says so); as root,
// everything they need is required. The systemd tools are required in CI either way.
for (const [what, missing, neededInCi] of [
  ["booting baked cards", bootMissing, isRoot],
  ["systemd-analyze verify", verifyMissing, true],
  ["arm64 first boot under qemu", qemuMissing, isRoot],
] as const) {
  if (missing === null) continue;
  if (inCi && neededInCi) {
    test(`${what}: prerequisites (required in CI)`, () => {
      throw new Error(`${what} cannot run in CI: ${missing}`);
    });
  } else {
    console.log(`install.sh --image: ${what} skipped: ${missing}`);
  }
}

// --- helpers -----------------------------------------------------------------------------------

/**
 * An image's root tree before freedmr is baked in: a minimal merged-/usr skeleton with /etc/passwd,
 * mount points for the base OS the boot script lends from the host, and /usr/bin/env carrying the
 * ELF header of the image's architecture (that is all the installer reads of it).
 */
function baseImage(name: string, machine: keyof typeof ELF_MACHINE | "none"): string {
  const root = join(work, "images", name);
  for (const dir of ["etc", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "proc", "dev", "tmp", "var/lib", "run"]) mkdirSync(join(root, dir), { recursive: true });
  for (const [link, target] of [["bin", "usr/bin"], ["sbin", "usr/sbin"], ["lib", "usr/lib"], ["lib64", "usr/lib64"]]) symlinkSync(target!, join(root, link!));
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
  if (machine !== "none") {
    const header = new Uint8Array(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // \x7fELF, 64-bit, little-endian, version 1
    header[16] = 2; // ET_EXEC
    header[18] = ELF_MACHINE[machine];
    writeFileSync(join(root, "usr/bin/env"), header, { mode: 0o755 });
  }
  return root;
}

function imageEnv(base: string, env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TMPDIR: work, FREEDMR_BASE_URL: base, ...env };
}

function bake(image: string, base: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
  return runAsync(["sh", installScript, "--image", image, ...args], { cwd: work, env: imageEnv(base, env) });
}

function fakeDist(name: string): string {
  const dir = join(work, "dist", name);
  writeFakeDist(dir, "1.0.0");
  return server.serve(name, dir);
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** The image's uid:gid for the service user, from its /etc/passwd. */
function imageUser(image: string): { uid: number; gid: number } | undefined {
  const line = readFileSync(join(image, "etc/passwd"), "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("freedmr:"));
  if (line === undefined) return undefined;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every file, directory and link in `root` with its metadata and content hash, except below `skip`. */
function treeListing(root: string, skip: string): string[] {
  const lines: string[] = [];
  const visit = (relative: string): void => {
    const path = join(root, relative);
    const stat = lstatSync(path);
    const meta = `${relative} mode=${stat.mode.toString(8)} owner=${stat.uid}:${stat.gid}`;
    if (stat.isSymbolicLink()) {
      lines.push(`${meta} -> ${readlinkSync(path)}`);
    } else if (stat.isDirectory()) {
      if (relative === skip) {
        lines.push(meta); // its own mode and owner, not its contents or mtime
        return;
      }
      lines.push(`${meta} mtime=${stat.mtimeMs}`);
      for (const name of readdirSync(path).sort()) visit(relative === "" ? name : join(relative, name));
    } else {
      lines.push(`${meta} size=${stat.size} mtime=${stat.mtimeMs} sha256=${sha256(path)}`);
    }
  };
  visit("");
  return lines;
}

/** Copy an image tree as flashing does: owners, modes, links and times kept (cp -a). */
function copyTree(from: string, to: string): void {
  const result = Bun.spawnSync(["cp", "-a", from, to], { stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`cp -a ${from} ${to}: ${result.stderr.toString()}`);
}

function bootCommand(card: string, ids: string, command: string[]): string[] {
  return ["unshare", "--mount", "--propagation", "private", "sh", bootScript, card, ids, ...command];
}

function boot(card: string, ids: string, command: string[]): RunResult {
  const result = Bun.spawnSync(bootCommand(card, ids, command), { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const FIRST_BOOT = ["/usr/local/bin/freedmr", "--first-boot", "/etc/freedmr/freedmr.toml"];
const SERVE = ["/usr/local/bin/freedmr", "--config", "/etc/freedmr/freedmr.toml", "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"];
const PASSPHRASE = "var/lib/freedmr/passphrase";

// --- fake binaries: the layout ----------------------------------------------------------------

describe("install.sh --image (fake binaries)", () => {
  test("lays out a first boot for the image's architecture, runs nothing of it, bakes no secret", async () => {
    const image = baseImage("layout", otherArch);
    const base = fakeDist("layout");
    const ran = join(work, "layout-ran.txt");
    const hostPasswd = readFileSync("/etc/passwd", "utf8");
    const result = await bake(image, base, [], { FAKE_FREEDMR_RAN: ran });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    // the image's binary, never run; this machine's build of the same release wrote the config
    expect(sha256(join(image, "usr/local/bin/freedmr"))).toBe(sha256(join(work, "dist", "layout", `freedmr-linux-${otherArch}`)));
    expect(mode(join(image, "usr/local/bin/freedmr"))).toBe(0o755);
    const runs = readFileSync(ran, "utf8").trim().split("\n");
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run).toStartWith(`${hostArch} `);
    expect(result.stdout).toContain(`the image is ${otherArch}, this machine ${hostArch}`);

    // config: hbp.passphrase_file, no passphrase of any kind
    const config = readFileSync(join(image, "etc/freedmr/freedmr.toml"), "utf8");
    expect(config).toMatch(/^passphrase_file = "\/var\/lib\/freedmr\/passphrase"$/m);
    expect(config).not.toMatch(/^passphrase = /m);
    expect(config).not.toContain("passw0rd");
    expect(mode(join(image, "etc/freedmr/freedmr.toml"))).toBe(0o640);
    expect(mode(join(image, "etc/freedmr"))).toBe(0o750);
    // the state directory exists, empty: the secret is made on the card
    expect(readdirSync(join(image, "var/lib/freedmr"))).toEqual([]);
    expect(mode(join(image, "var/lib/freedmr"))).toBe(0o750);

    // the unit, enabled the way systemctl enable does it offline
    const unit = readFileSync(join(image, "etc/systemd/system/freedmr.service"), "utf8");
    expect(unit).toContain("\nExecStartPre=-/usr/local/bin/freedmr --first-boot /etc/freedmr/freedmr.toml\n");
    expect(unit).toContain("\nStateDirectory=freedmr\n");
    expect(unit).toContain("\nReadWritePaths=/var/lib/freedmr\n");
    expect(unit).toContain("\nWantedBy=multi-user.target\n");
    expect(readlinkSync(join(image, "etc/systemd/system/multi-user.target.wants/freedmr.service"))).toBe("/etc/systemd/system/freedmr.service");

    // user and state directory declared for systemd; the sysctl file
    expect(readFileSync(join(image, "etc/sysusers.d/freedmr.conf"), "utf8")).toMatch(/^u freedmr - "freedmr DMR master server" \/var\/lib\/freedmr \/usr\/sbin\/nologin$/m);
    const tmpfiles = readFileSync(join(image, "etc/tmpfiles.d/freedmr.conf"), "utf8");
    expect(tmpfiles).toMatch(/^d \/var\/lib\/freedmr 0750 freedmr freedmr -$/m);
    expect(tmpfiles).toMatch(/^z \/etc\/freedmr\/freedmr.toml 0640 root freedmr -$/m);
    expect(readFileSync(join(image, "etc/sysctl.d/60-freedmr.conf"), "utf8")).toMatch(/^net\.core\.rmem_max = 4194304$/m);

    // the user exists in the image (not on this machine), and owns the state directory
    if (systemdSysusers !== null) {
      const user = imageUser(image);
      expect(user).toBeDefined();
      expect(statSync(join(image, "var/lib/freedmr")).uid).toBe(user!.uid);
      expect(statSync(join(image, "etc/freedmr")).gid).toBe(user!.gid);
      expect(result.stdout).toContain("created the user freedmr in the image (systemd-sysusers --root)");
    }
    expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswd);

    expect(result.stdout).toContain("Hotspots use UDP port 62031");
    expect(result.stdout).toContain("sudo cat /var/lib/freedmr/passphrase");
    expect(result.stdout).not.toContain("hotspot passphrase (Pi-Star");
  });

  test("FREEDMR_ARCH overrides the image's ELF header; a 32-bit ARM image and an unreadable one are refused", async () => {
    const base = fakeDist("arch");
    const overridden = baseImage("arch-override", "none");
    const result = await bake(overridden, base, [], { FREEDMR_ARCH: "aarch64" });
    expect(result.exitCode).toBe(0);
    expect(sha256(join(overridden, "usr/local/bin/freedmr"))).toBe(sha256(join(work, "dist", "arch", "freedmr-linux-arm64")));

    const arm32 = await bake(baseImage("arch-arm32", "arm"), base);
    expect(arm32.exitCode).not.toBe(0);
    expect(arm32.stderr).toContain("32-bit ARM system (armv7l)");

    const unknown = baseImage("arch-unknown", "none");
    const refused = await bake(unknown, base);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("cannot tell the image's architecture");
    expect(refused.stderr).toContain("FREEDMR_ARCH=aarch64");
    expect(existsSync(join(unknown, "usr/local"))).toBe(false);
  });

  test("the same architecture as this machine: one download, the image's own build writes the config", async () => {
    const image = baseImage("same-arch", hostArch);
    const ran = join(work, "same-ran.txt");
    const result = await bake(image, fakeDist("same-arch"), [], { FAKE_FREEDMR_RAN: ran });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain("this machine");
    expect(sha256(join(image, "usr/local/bin/freedmr"))).toBe(sha256(join(work, "dist", "same-arch", `freedmr-linux-${hostArch}`)));
    expect(existsSync(join(image, "etc/freedmr/freedmr.toml"))).toBe(true);
  });

  test("re-baking keeps the image's config; one with a literal passphrase is warned about", async () => {
    const image = baseImage("rebake", otherArch);
    const base = fakeDist("rebake");
    expect((await bake(image, base)).exitCode).toBe(0);
    const config = join(image, "etc/freedmr/freedmr.toml");
    writeFileSync(config, `${readFileSync(config, "utf8")}# a builder's edit\n`);
    const before = readFileSync(config, "utf8");
    const again = await bake(image, base);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("keeping existing /etc/freedmr/freedmr.toml");
    expect(again.stderr).toBe("");
    expect(readFileSync(config, "utf8")).toBe(before);

    writeFileSync(config, '[hbp]\npassphrase = "shared-by-every-card"\nport = 40555\n');
    const literal = await bake(image, base);
    expect(literal.exitCode).toBe(0);
    expect(literal.stderr).toContain("does not set hbp.passphrase_file: every card flashed from this image shares its passphrase");
    expect(literal.stdout).toContain("Hotspots use UDP port 40555");
  });

  test("--image DIR --uninstall removes what was added and keeps config, state and user", async () => {
    const image = baseImage("uninstall", otherArch);
    const base = fakeDist("uninstall");
    expect((await bake(image, base)).exitCode).toBe(0);
    const result = await bake(image, base, ["--uninstall"]);
    expect(result.exitCode).toBe(0);
    for (const path of [
      "usr/local/bin/freedmr",
      "etc/systemd/system/freedmr.service",
      "etc/systemd/system/multi-user.target.wants/freedmr.service",
      "etc/sysctl.d/60-freedmr.conf",
      "etc/sysusers.d/freedmr.conf",
      "etc/tmpfiles.d/freedmr.conf",
    ]) {
      expect(existsSync(join(image, path)) || lstatExists(join(image, path))).toBe(false);
    }
    expect(existsSync(join(image, "etc/freedmr/freedmr.toml"))).toBe(true);
    expect(existsSync(join(image, "var/lib/freedmr"))).toBe(true);
    expect(result.stdout).not.toContain("systemctl disable"); // nothing of this machine is touched
  });

  test("--image needs an existing directory other than /", async () => {
    const base = fakeDist("refusals");
    const missing = await bake(join(work, "no-such-dir"), base);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain("not a directory");
    const slash = await bake("/", base);
    expect(slash.exitCode).not.toBe(0);
    expect(slash.stderr).toContain("--image /: that is this machine");
    const bare = await runAsync(["sh", installScript, "--image"], { cwd: work, env: imageEnv(base) });
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr).toContain("--image needs a directory");
  });
});

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

// --- real binaries: verify, boot two cards, arm64 under qemu -----------------------------------

describe.if(verifyMissing === null || bootMissing === null)("a baked image (real binaries)", () => {
  let realBase = "";
  let x64Image = "";
  beforeAll(async () => {
    const binaries: Partial<Record<"x64" | "arm64", string>> = { [hostArch]: await ensureBinary(hostArch) };
    if (qemuMissing === null) binaries.arm64 = await ensureBinary("arm64");
    const dir = join(work, "dist", "real");
    writeRealDist(dir, binaries);
    realBase = server.serve("real", dir);
    x64Image = baseImage("real-host", hostArch);
    const result = await bake(x64Image, realBase);
    if (result.exitCode !== 0) throw new Error(`baking failed:\n${result.stdout}\n${result.stderr}`);
  }, 600_000);

  test.if(verifyMissing === null)("systemd-analyze verify accepts the unit, systemctl sees it enabled; sysusers and tmpfiles files apply cleanly", () => {
    // systemd-analyze resolves the unit's dependencies inside --root: give the copy systemd's units.
    const copy = join(work, "verify");
    copyTree(x64Image, copy);
    cpSync("/usr/lib/systemd/system", join(copy, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    // ExecReload runs kill(1), which every target root has (util-linux/procps): give the copy one too
    mkdirSync(join(copy, "bin"), { recursive: true });
    if (!existsSync(join(copy, "bin/kill"))) cpSync(realpathSync("/bin/kill"), join(copy, "bin/kill"));
    const verify = Bun.spawnSync([systemdAnalyze!, "verify", `--root=${copy}`, "freedmr.service"], { stdout: "pipe", stderr: "pipe" });
    expect(verify.stderr.toString()).toBe("");
    expect(verify.exitCode).toBe(0);
    // and it does report a broken unit (so the empty output above means something)
    const broken = join(copy, "etc/systemd/system/freedmr.service");
    writeFileSync(broken, readFileSync(broken, "utf8").replace("StateDirectoryMode=0750", "StateDirectoryMode=bogus"));
    const bad = Bun.spawnSync([systemdAnalyze!, "verify", `--root=${copy}`, "freedmr.service"], { stdout: "pipe", stderr: "pipe" });
    expect(bad.stderr.toString()).toContain("bogus");

    // the .wants symlink is what systemctl itself calls enabled
    const systemctl = Bun.which("systemctl");
    if (systemctl !== null) {
      const enabled = Bun.spawnSync([systemctl, `--root=${copy}`, "is-enabled", "freedmr.service"], { stdout: "pipe", stderr: "pipe" });
      expect(enabled.stdout.toString().trim()).toBe("enabled");
    }

    const sysusers = Bun.spawnSync([systemdSysusers!, `--root=${copy}`, "--dry-run", join(copy, "etc/sysusers.d/freedmr.conf")], { stdout: "pipe", stderr: "pipe" });
    expect(sysusers.stderr.toString()).toBe("");
    expect(sysusers.exitCode).toBe(0);
    // tmpfiles creates the state directory for the image's user and fixes the config's group
    rmSync(join(copy, "var/lib/freedmr"), { recursive: true });
    Bun.spawnSync(["chown", "0:0", join(copy, "etc/freedmr/freedmr.toml")]);
    const tmpfiles = Bun.spawnSync([systemdTmpfiles!, `--root=${copy}`, "--create", join(copy, "etc/tmpfiles.d/freedmr.conf")], { stdout: "pipe", stderr: "pipe" });
    expect(tmpfiles.stderr.toString()).toBe("");
    expect(tmpfiles.exitCode).toBe(0);
    const user = imageUser(copy)!;
    expect(statSync(join(copy, "var/lib/freedmr")).uid).toBe(user.uid);
    expect(mode(join(copy, "var/lib/freedmr"))).toBe(0o750);
    expect(statSync(join(copy, "etc/freedmr/freedmr.toml")).gid).toBe(user.gid);
  });

  test.if(bootMissing === null)(
    "two cards from one image, read-only root: different passphrases, each logs in with its own, nothing outside the state directory changes",
    async () => {
      const user = imageUser(x64Image);
      expect(user).toBeDefined();
      const ids = `${user!.uid}:${user!.gid}`;
      const cards = ["card-a", "card-b"].map((name) => {
        const card = join(work, "cards", name);
        mkdirSync(join(work, "cards"), { recursive: true });
        copyTree(x64Image, card);
        return card;
      });
      const before = cards.map((card) => treeListing(card, "var/lib/freedmr"));
      expect(before[0]!.length).toBeGreaterThan(20);

      // first boot: card A as the service user (ExecStartPre), card B as root (by hand): both files
      // end up the service user's, 0600
      const firstA = boot(cards[0]!, ids, FIRST_BOOT);
      expect(firstA.stderr).toBe("");
      expect(firstA.exitCode).toBe(0);
      expect(firstA.stdout).toContain("created /var/lib/freedmr/passphrase with this machine's own random hotspot passphrase");
      const firstB = boot(cards[1]!, "0:0", FIRST_BOOT);
      expect(firstB.exitCode).toBe(0);
      const passphrases = cards.map((card) => readFileSync(join(card, PASSPHRASE), "utf8"));
      for (const [index, card] of cards.entries()) {
        expect(passphrases[index]).toMatch(/^[0-9a-f]{32}\n$/);
        expect(mode(join(card, PASSPHRASE))).toBe(0o600);
        expect(statSync(join(card, PASSPHRASE)).uid).toBe(user!.uid);
        expect(firstA.stdout + firstB.stdout).not.toContain(passphrases[index]!.trim());
      }
      expect(passphrases[0]).not.toBe(passphrases[1]);

      // the next start keeps it
      const again = boot(cards[0]!, ids, FIRST_BOOT);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain("(kept)");
      expect(readFileSync(join(cards[0]!, PASSPHRASE), "utf8")).toBe(passphrases[0]!);

      // each card's server accepts its own passphrase and refuses the other card's
      for (const [index, card] of cards.entries()) {
        const running = await startFreedmr(bootCommand(card, ids, SERVE), { timeoutMs: 60_000, env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
        let own: HbpClient | undefined;
        let other: HbpClient | undefined;
        try {
          own = await HbpClient.open({ serverPort: running.port, repeaterId: 2345621 + index, passphrase: passphrases[index]!.trim() });
          expect((await own.tryLogin({ timeoutMs: 10_000 })).ok).toBe(true);
          expect(await own.ping(10_000)).toBe(true);
          other = await HbpClient.open({ serverPort: running.port, repeaterId: 2345631 + index, passphrase: passphrases[1 - index]!.trim() });
          expect(await other.tryLogin({ timeoutMs: 10_000 })).toMatchObject({ ok: false, reason: "nak" });
        } finally {
          await own?.close();
          await other?.close();
        }
        expect(await running.stop("SIGTERM")).toBe(0);
        expect(running.stderrText()).toBe("");
        expect(running.stdoutText()).not.toContain(passphrases[index]!.trim());
      }

      // nothing outside the state directory changed; inside it, only the passphrase file and the
      // state store (closed cleanly: no -wal/-shm left)
      cards.forEach((card, index) => {
        expect(treeListing(card, "var/lib/freedmr")).toEqual(before[index]!);
        expect(readdirSync(join(card, "var/lib/freedmr")).sort()).toEqual(["freedmr.sqlite", "passphrase"]);
      });
    },
    300_000,
  );

  test.if(qemuMissing === null)(
    "arm64 image: the arm64 binary runs its first boot and serves under qemu-aarch64 -cpu cortex-a53, read-only root",
    async () => {
      const image = baseImage("real-arm64", "arm64");
      const baked = await bake(image, realBase);
      expect(baked.exitCode).toBe(0);
      expect(sha256(join(image, "usr/local/bin/freedmr"))).toBe(sha256(await ensureBinary("arm64")));
      const user = imageUser(image)!;
      const ids = `${user.uid}:${user.gid}`;
      const before = treeListing(image, "var/lib/freedmr");
      const emulated = (command: string[]): string[] => [qemu!, "-cpu", "cortex-a53", "-L", "/", ...command];

      const first = boot(image, ids, emulated(FIRST_BOOT));
      expect(first.stderr).toBe("");
      expect(first.exitCode).toBe(0);
      expect(first.stdout).toContain("created /var/lib/freedmr/passphrase");
      const passphrase = readFileSync(join(image, PASSPHRASE), "utf8");
      expect(passphrase).toMatch(/^[0-9a-f]{32}\n$/);
      expect(statSync(join(image, PASSPHRASE)).uid).toBe(user.uid);

      const running = await startFreedmr(bootCommand(image, ids, emulated(SERVE)), { timeoutMs: 90_000, env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
      let client: HbpClient | undefined;
      try {
        client = await HbpClient.open({ serverPort: running.port, repeaterId: 2345641, passphrase: passphrase.trim() });
        expect((await client.tryLogin({ timeoutMs: 15_000 })).ok).toBe(true);
      } finally {
        await client?.close();
      }
      expect(await running.stop("SIGTERM")).toBe(0);
      expect(treeListing(image, "var/lib/freedmr")).toEqual(before);
      expect(readdirSync(join(image, "var/lib/freedmr")).sort()).toEqual(["freedmr.sqlite", "passphrase"]);
    },
    300_000,
  );
});
