/**
 * The version, baked in at build time by scripts/build.ts (`--define FREEDMR_BUILD_VERSION=...`,
 * `FREEDMR_BUILD_COMMIT=...`); when running from source it comes from package.json with a "-dev" suffix.
 * @module
 */
import packageJson from "../../package.json" with { type: "json" };

declare const FREEDMR_BUILD_VERSION: string;
declare const FREEDMR_BUILD_COMMIT: string;

export const VERSION: string = typeof FREEDMR_BUILD_VERSION === "string" ? FREEDMR_BUILD_VERSION : `${packageJson.version}-dev`;
export const COMMIT: string = typeof FREEDMR_BUILD_COMMIT === "string" ? FREEDMR_BUILD_COMMIT : "source";

/** `freedmr 0.1.0 (commit 1a2b3c4, bun 1.4.5, linux-arm64)`. */
export function versionLine(): string {
  return `freedmr ${VERSION} (commit ${COMMIT}, bun ${Bun.version}, ${process.platform}-${process.arch})`;
}
