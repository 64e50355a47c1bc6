/**
 * The bridge the cluster bridge tests configure on every node: "NET" joins hotspot H1's TS2 TG 91
 * (off until H1 keys TG 4091 on TS2; TG 4090 switches it off) and hotspot H2's TS1 TG 3100
 * (always on). Group hang time 0, so a test's calls follow each other without waiting.
 */
import { HbpClient } from "../../support/hbp_client.ts";
import { nextStreamId, sendVoice, waitFrames } from "./cluster_net.ts";
export const H1 = 3_110_001;
export const H2 = 3_110_002;

export function bridgeToml(): string {
  return [
    "[routing]",
    "group_hang_time_seconds = 0",
    "[[bridges]]",
    'name = "NET"',
    "[[bridges.members]]",
    `system = "${H1}"`,
    "slot = 2",
    "talkgroup = 91",
    "active = false",
    "on = [4091]",
    "off = [4090]",
    "[[bridges.members]]",
    `system = "${H2}"`,
    "slot = 1",
    "talkgroup = 3100",
    "",
  ].join("\n");
}

/**
 * Calls from `from` (radio 2345001) until `to` hears one whole (subscriptions propagate through NATS
 * asynchronously), at most `tries` calls; the stream that crossed, or null.
 */
export async function bridgeCall(from: HbpClient, to: HbpClient, destinationId: number, slot: 1 | 2, tries: number): Promise<{ streamId: number; n: number } | null> {
  for (let t = 0; t < tries; t++) {
    const streamId = nextStreamId();
    const n = await sendVoice(from, { sourceId: 2_345_001, destinationId, slot, streamId, superframes: 1 });
    if ((await waitFrames(to, streamId, n, 1_000)).length === n) return { streamId, n };
    await HbpClient.settle(400); // the stream timeout of the slots it may have touched
  }
  return null;
}

/** Key a trigger talkgroup from `from` and wait for the node's log to say the bridge switched. */
export async function keyTrigger(from: HbpClient, proc: { waitForLog(p: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown> | null> }, talkgroupId: number, active: boolean): Promise<boolean> {
  await sendVoice(from, { sourceId: 2_345_001, destinationId: talkgroupId, slot: 2, streamId: nextStreamId(), superframes: 1 });
  const line = await proc.waitForLog((l) => l["bridge"] === "NET" && l["active"] === active && l["reason"] === (active ? "on" : "off"), 5_000);
  await HbpClient.settle(400);
  return line !== null;
}
