/**
 * Assertions for programmer errors. They stay on in production: a broken invariant crashes the
 * process (a supervisor restarts it) rather than routing voice to the wrong place. Expected
 * failures (bad packets, bad config) are values, never assertions.
 * @module
 */

export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
