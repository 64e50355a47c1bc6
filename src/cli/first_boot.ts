/**
 * `freedmr --first-boot CONFIG`: give this machine what the config names but an SD-card image must
 * not carry — its own hotspot passphrase. When the config sets `hbp.passphrase_file` and that file
 * does not exist, it is created with 128 random bits (32 hex characters, from the OS CSPRNG), mode
 * 0600, owned by the service user. Safe to run at every start (the systemd unit runs it as
 * ExecStartPre): an existing file is kept. Prints where the passphrase is (the journal records it);
 * never the passphrase itself.
 * @module
 */
import { formatConfigError } from "../config/errors.ts";
import { loadConfigFile } from "../config/load.ts";
import { passphraseFilePath, readPassphraseFile } from "../config/passphrase_file.ts";
import { createSecretFileIfAbsent } from "../shell/secret_file.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Output } from "./commands.ts";

/** 16 bytes = 128 bits, written as 32 lowercase hex characters (easy to type into Pi-Star). */
const PASSPHRASE_BYTES = 16;

export function randomPassphrase(): string {
  const bytes = new Uint8Array(PASSPHRASE_BYTES);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function firstBoot(configPath: string, io: Output): Promise<number> {
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) {
    for (const error of loaded.errors) io.err(`${configPath}: ${formatConfigError(error)}\n`);
    io.err(`freedmr --first-boot: ${configPath} is not a valid config; nothing was created\n`);
    return EXIT_USAGE;
  }
  const file = passphraseFilePath(loaded.config, configPath);
  if (file === undefined) {
    io.out(`freedmr --first-boot: nothing to do (${configPath} sets no hbp.passphrase_file)\n`);
    return EXIT_OK;
  }
  const created = createSecretFileIfAbsent(file, randomPassphrase());
  if (created.status === "failed") {
    io.err(`freedmr --first-boot: cannot create ${file} (hbp.passphrase_file): ${created.reason}\n`);
    return EXIT_FAILURE;
  }
  if (created.status === "exists") {
    const existing = readPassphraseFile(file);
    if (!existing.ok) {
      io.err(`freedmr --first-boot: ${configPath}: ${formatConfigError(existing.error)}\n`);
      return EXIT_USAGE;
    }
    io.out(`freedmr --first-boot: hotspot passphrase in ${file} (kept)\n`);
    return EXIT_OK;
  }
  io.out(
    `freedmr --first-boot: created ${file} with this machine's own random hotspot passphrase (mode 0600). ` +
      `Read it with: sudo cat ${file} — and enter it in each hotspot (Pi-Star: DMR Master password). ` +
      `To change it, write a new one into that file and restart freedmr; to get a new random one, delete the file and restart.\n`,
  );
  return EXIT_OK;
}
