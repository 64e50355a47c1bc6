/**
 * Talker aliases that arrive only in the DMRA side channel (hbp-and-dmr.md §3.1), over real UDP: a
 * hotspot sends a call whose embedded LCs carry no alias and the alias as four 19-byte DMRA messages
 * (MMDVMHost's layout); stream.end — and so the status API's last heard — carries it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { TalkerAliasFormat, encodeTalkerAlias } from "../../src/dmr/talker_alias.ts";
import { ApiState } from "../../src/services/api_state.ts";
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

const REPEATER = 310_000_101;

/** 'DMRA' repeater id[4] source[3] type[1] data[7] (MMDVMHost ≤ 2020-08-25 and DMRGateway-less hotspots). */
function dmra(repeaterId: number, sourceId: number, lc: Uint8Array, offset: number): Uint8Array {
  const b = new Uint8Array(19);
  b.set([0x44, 0x4d, 0x52, 0x41], 0);
  new DataView(b.buffer).setUint32(4, repeaterId);
  b.set([(sourceId >>> 16) & 0xff, (sourceId >>> 8) & 0xff, sourceId & 0xff], 8);
  b[11] = lc[offset]! - 4; // FLCO 4..7 → type 0..3
  b.set(lc.subarray(offset + 2, offset + 9), 12);
  return b;
}

async function call(client: HbpClient, streamId: number, sourceId: number, alias: string | null): Promise<void> {
  const base = { sourceId, destinationId: 3100, slot: 2 as const, streamId };
  let seq = 0;
  const pause = (): Promise<void> => HbpClient.settle(5);
  client.sendFrame({ ...base, sequence: seq++, frameType: FrameType.DataSync, dataType: 1 });
  await pause();
  for (let i = 0; i < 12; i++) {
    client.sendFrame({ ...base, sequence: seq++, frameType: i % 6 === 0 ? FrameType.VoiceSync : FrameType.Voice, dataType: i % 6 });
    await pause();
    if (i === 3 && alias !== null) {
      const lcs = new Uint8Array(36);
      const count = encodeTalkerAlias(alias, TalkerAliasFormat.Utf8, lcs);
      for (let n = 0; n < count; n++) client.send(dmra(REPEATER, sourceId, lcs, 9 * n));
      await pause();
    }
  }
  client.sendFrame({ ...base, sequence: seq++, frameType: FrameType.DataSync, dataType: 2 });
}

describe("DMRA talker alias (real UDP)", () => {
  test("stream.end and last heard carry the side-channel alias when the embedded LCs have none", async () => {
    server = await startTestServer({ router: (deps) => createRouter(routingOptions({ serverId: 2341 }), deps) });
    const client = await HbpClient.open({ serverPort: server.port, repeaterId: REPEATER });
    clients.push(client);
    await client.login({ options: "TS2=3100;" });
    await call(client, 0x7a01, 3_120_101, "Jürgen DL1ABC");
    const end = await server.waitForEvent("stream.end", (e) => e.streamId === 0x7a01, 3000);
    expect(end?.talkerAlias).toBe("Jürgen DL1ABC");
    // a call without DMRA has no alias (the side channel of the previous call does not leak)
    await call(client, 0x7a02, 3_120_101, null);
    const second = await server.waitForEvent("stream.end", (e) => e.streamId === 0x7a02, 3000);
    expect(second?.talkerAlias).toBe(null);
    // the status API's last heard is fed by stream.end
    const state = new ApiState({ lastHeardSize: 10, maxHotspots: 10, clock: { monotonicMs: () => 0, wallClockMs: () => 0 } });
    for (const e of server.events) state.handle(e);
    expect(state.lastHeard.list(2).map((x) => x.talkerAlias)).toEqual([null, "Jürgen DL1ABC"]);
  });
});
