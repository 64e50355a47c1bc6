/**
 * A voice call sent in real time (one burst every 60 ms, as a radio does) from a simulated hotspot,
 * with a talker alias in the embedded LCs (VoiceStreamBuilder), so the dashboard can be looked at
 * while the call is in progress. `end()` sends the terminator.
 */
import { TalkerAliasFormat } from "../../../src/dmr/talker_alias.ts";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import { CallType } from "../../../src/wire/dmrd.ts";
import type { HbpClient } from "../../support/hbp_client.ts";

/** A voice burst every 60 ms (ETSI TS 102 361-1: 6 bursts in a 360 ms superframe). */
const BURST_INTERVAL_MS = 60;

export interface LiveCall {
  readonly streamId: number;
  /** Bursts sent so far. */
  readonly bursts: number;
  end(): Promise<void>;
}

let nextStream = 0x7d00_0001;

export function startLiveCall(client: HbpClient, spec: { sourceId: number; destinationId: number; slot: 1 | 2; talkerAlias?: string }): LiveCall {
  const builder = new VoiceStreamBuilder();
  const streamId = nextStream++;
  builder.start({ sourceId: spec.sourceId, destinationId: spec.destinationId, repeaterId: client.repeaterId, slot: spec.slot, callType: CallType.Group, streamId, colourCode: 1 });
  if (spec.talkerAlias !== undefined) builder.setTalkerAlias(spec.talkerAlias, TalkerAliasFormat.Iso88591);
  const buffer = new Uint8Array(55);
  builder.writeHeader(buffer);
  client.sendDmrd(buffer.slice());
  let bursts = 0;
  let ended = false;
  const timer = setInterval(() => {
    if (ended) return;
    builder.writeVoice(buffer);
    client.sendDmrd(buffer.slice());
    bursts++;
  }, BURST_INTERVAL_MS);
  return {
    streamId,
    get bursts() {
      return bursts;
    },
    async end() {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      builder.writeTerminator(buffer);
      client.sendDmrd(buffer.slice());
      await Bun.sleep(20);
    },
  };
}
