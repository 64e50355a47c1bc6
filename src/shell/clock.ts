/**
 * The one clock of the packet plane: monotonic milliseconds since process start (never jumps
 * with NTP or DST). Wall-clock time is for logs only.
 * @module
 */

export function monotonicMs(): number {
  return performance.now();
}
