/**
 * A voice call sent in real time (one burst every 60 ms, as a radio does) from a simulated hotspot,
 * with a talker alias in the embedded LCs (VoiceStreamBuilder), so the dashboard can be looked at
 * while the call is in progress. `end()` sends the terminator.
 *
 * The bursts are paced by an async loop over Bun.sleep rather than setInterval: in a test process
 * that also drives a browser over playwright's pipe, setInterval callbacks were seen not to run for
 * seconds at a time (Bun 1.4.5), which ended the stream at the server's silence timeout.
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
  let ending = false;
  const started = performance.now();
  const pump = (async () => {
    while (!ending) {
      // Catch up to the radio's schedule after a pause, as the air interface would.
      const due = Math.floor((performance.now() - started) / BURST_INTERVAL_MS);
      while (bursts < due && !ending) {
        builder.writeVoice(buffer);
        client.sendDmrd(buffer.slice());
        bursts++;
      }
      await Bun.sleep(BURST_INTERVAL_MS / 2);
    }
    builder.writeTerminator(buffer);
    client.sendDmrd(buffer.slice());
  })();
  return {
    streamId,
    get bursts() {
      return bursts;
    },
    async end() {
      ending = true;
      await pump;
      await Bun.sleep(20);
    },
  };
}
