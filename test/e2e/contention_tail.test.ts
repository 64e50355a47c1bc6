/**
 * Contention on the wire (real UDP): two hotspots talk on the same talkgroup at once; a listener
 * hears the first. When the first call ends, the second — refused at the listener's slot, so a tail
 * without its header — must not be glued to the end of the first: frames sent right after the
 * first call's terminator never reach the listener; the tail arrives later (late entry, after the
 * 360 ms stream timeout). No timing assertion: the frames checked are sent in the same instant as
 * the terminator, and the later tail is awaited, not timed.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { FrameType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.stop();
  server = null;
});

let nextRepeater = 310_000_201;
async function hotspot(port: number, options: string): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: port, repeaterId: nextRepeater++ });
  clients.push(c);
  await c.login({ options });
  return c;
}

describe("contention: a refused stream's tail (real UDP)", () => {
  test("never reaches a listener glued to the end of the call it was refused for; it arrives later", async () => {
    server = await startTestServer({ router: (deps) => createRouter(routingOptions({ serverId: 2341 }), deps) });
    const first = await hotspot(server.port, "TS2=3100;");
    const second = await hotspot(server.port, "TS2=3100;");
    const listener = await hotspot(server.port, "TS2=3100;");
    const a = { sourceId: 3_120_101, destinationId: 3100, slot: 2 as const, streamId: 0x7c01 };
    const b = { sourceId: 3_120_202, destinationId: 3100, slot: 2 as const, streamId: 0x7c02 };
    let seqA = 0;
    let seqB = 0;
    const voice = (c: HbpClient, base: typeof a, seq: number): void => {
      c.sendFrame({ ...base, sequence: seq, frameType: seq % 6 === 1 ? FrameType.VoiceSync : FrameType.Voice, dataType: (seq - 1) % 6 });
    };
    first.sendFrame({ ...a, sequence: seqA++, frameType: FrameType.DataSync, dataType: 1 });
    await HbpClient.settle(20);
    second.sendFrame({ ...b, sequence: seqB++, frameType: FrameType.DataSync, dataType: 1 });
    for (let i = 0; i < 6; i++) {
      voice(first, a, seqA++);
      voice(second, b, seqB++);
      await HbpClient.settle(20);
    }
    expect(await server.until(() => listener.dmrd.filter((f) => f.streamId === a.streamId).length === 7)).toBe(true);
    expect(listener.dmrd.some((f) => f.streamId === b.streamId)).toBe(false);
    // the first call ends; in the same instant the second goes on
    first.sendFrame({ ...a, sequence: seqA++, frameType: FrameType.DataSync, dataType: 2 });
    const glued = seqB;
    for (let i = 0; i < 3; i++) voice(second, b, seqB++);
    expect(await server.until(() => listener.dmrd.some((f) => f.streamId === a.streamId && f.dataType === 2 && f.frameType === FrameType.DataSync))).toBe(true);
    // the tail: keep talking until the listener hears it (late entry after the stream timeout)
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline && !listener.dmrd.some((f) => f.streamId === b.streamId)) {
      voice(second, b, seqB++);
      await HbpClient.settle(40);
    }
    second.sendFrame({ ...b, sequence: seqB++, frameType: FrameType.DataSync, dataType: 2 });
    await HbpClient.settle(50);
    const tail = listener.dmrd.filter((f) => f.streamId === b.streamId);
    expect(tail.length).toBeGreaterThan(0);
    // none of the frames sent together with the terminator (glued) reached the listener
    expect(tail.filter((f) => f.sequence >= glued && f.sequence < glued + 3).length).toBe(0);
    expect(tail[0]!.sequence).toBeGreaterThanOrEqual(glued + 3);
  });
});
