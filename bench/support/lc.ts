/**
 * The LC payload encoder the benchmarks use for headers and terminators. Until the DMR codecs
 * offer a voice stream builder, filler bytes (null) are used; the router routes without FEC.
 * @module
 */
import type { LcPayloadEncoder } from "../../test/sim/frames.ts";

export function benchLcEncoder(): LcPayloadEncoder | null {
  return null;
}
