/**
 * Shared test plumbing for end-to-end tests: a cleanup list run after each test (newest first,
 * every step tried even if one throws) and `until`, which polls a condition (sync or async) and
 * says whether it came true before the deadline — a wait, never a timing assertion.
 */
import { afterEach } from "bun:test";

/** Registers an afterEach that runs (and empties) the returned list, newest first. */
export function useCleanups(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // keep cleaning up
      }
    }
  });
  return cleanups;
}

export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) return false;
    await Bun.sleep(5);
  }
  return true;
}
