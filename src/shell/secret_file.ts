/**
 * Create a secret file once: mode 0600, never overwritten, never half-written. The secret is written
 * to a temporary file next to the target, flushed to disk, then hard-linked into place — `link`
 * fails if the target appeared meanwhile, so two concurrent first boots cannot both win and a
 * power cut leaves either no file or the whole file. Run as root, the file is given to the owner of
 * its directory (the service user owns its state directory), so the service can read it.
 * @module
 */
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, chownSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export type SecretFileResult =
  | { readonly status: "created" }
  | { readonly status: "exists" }
  | { readonly status: "failed"; readonly reason: string };

export function createSecretFileIfAbsent(path: string, secret: string): SecretFileResult {
  if (pathExists(path)) return { status: "exists" };
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "wx", 0o600);
    writeSync(fd, `${secret}\n`);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (process.getuid?.() === 0) {
      const owner = statSync(directory);
      chownSync(temporary, owner.uid, owner.gid);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if (errorCode(error) === "EEXIST") return { status: "exists" };
      throw error;
    }
    syncDirectory(directory);
    return { status: "created" };
  } catch (error) {
    return { status: "failed", reason: error instanceof Error ? error.message : String(error) };
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // never created, or already gone
    }
  }
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Make the new directory entry durable (best effort: not every filesystem allows it). */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the file itself is already on disk
  }
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}
