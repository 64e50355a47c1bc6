/**
 * Where the tests' vendored data lives (test/fixtures, see its README.md). Every test reads fixtures
 * through these paths, never from outside the repository (test/tidy_paths.test.ts enforces it).
 */
import { join } from "node:path";

/** test/fixtures, inside the repository. */
export const FIXTURES = join(import.meta.dir, "..", "fixtures");
/** The real HomeBrew/MMDVM captures (test/fixtures/captures, provenance in its SOURCES.md). */
export const CAPTURES = join(FIXTURES, "captures");
/** The DMR air-interface check values (test/fixtures/vectors/dmr-vectors.json). */
export const VECTORS = join(FIXTURES, "vectors");

/** The path of a capture file in test/fixtures/captures. */
export function capturePath(file: string): string {
  return join(CAPTURES, file);
}
