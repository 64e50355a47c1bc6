/**
 * The version, baked in at build time by scripts/build.ts (`--define FREEDMR_BUILD_VERSION=...`,
 * `FREEDMR_BUILD_COMMIT=...`). Running from source, it is package.json's version with a "-dev"
 * suffix (read from disk: src/ imports no files from outside src/).
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

declare const FREEDMR_BUILD_VERSION: string;
declare const FREEDMR_BUILD_COMMIT: string;

export const VERSION: string = typeof FREEDMR_BUILD_VERSION === "string" ? FREEDMR_BUILD_VERSION : `${sourceVersion()}-dev`;
export const COMMIT: string = typeof FREEDMR_BUILD_COMMIT === "string" ? FREEDMR_BUILD_COMMIT : "source";

function sourceVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "package.json"), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** `freedmr 0.1.0 (commit 1a2b3c4, bun 1.4.5, linux-arm64)`. */
export function versionLine(): string {
  return `freedmr ${VERSION} (commit ${COMMIT}, bun ${Bun.version}, ${process.platform}-${process.arch})`;
}
