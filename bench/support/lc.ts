/**
 * The LC payload encoder the benchmarks use for voice headers and terminators: a valid full LC
 * (BPTC(196,96) with RS(12,9), hbp-and-dmr.md §2.7), as radios send it. freedmr decodes the LC of
 * every header and terminator (dmr/stream_rewriter.ts SourceLc); filler bytes would send each one
 * down the error-correcting slow path, which real traffic rarely takes, and the bare relay not at all.
 * @module
 */
import type { LcPayloadEncoder } from "../../test/sim/frames.ts";
import { lcEncoder } from "../../test/sim/workload.ts";

export function benchLcEncoder(): LcPayloadEncoder | null {
  return lcEncoder;
}
