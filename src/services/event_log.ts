/**
 * Event log: a bus consumer that writes core events to the process log (pino logger passed in).
 * Session up/down/refused/conflict and stream start/end are info (conflicts and refusals by rate
 * limit are warnings); chatty events (subscription changes) are debug. It never calls into the
 * core and never sees a passphrase (events carry none).
 * @module
 */
import type { Logger } from "pino";
import type { EventBus } from "../bus/event_bus.ts";
import type { CoreEvent } from "../core/events.ts";

export const EVENT_LOG_SERVICE = "event-log";

/** The caller's callsign for a radio id when alias data knows it (src/shell/alias_directory.ts), else null. */
export type CallsignOf = (radioId: number) => string | null;

const NO_NAMES: CallsignOf = () => null;

/** `{sourceCallsign}` when known, nothing otherwise (lines stay as they were without alias data). */
function sourceName(callsignOf: CallsignOf, radioId: number): { sourceCallsign?: string } {
  const callsign = callsignOf(radioId);
  return callsign === null ? {} : { sourceCallsign: callsign };
}

export function logEvent(log: Logger, event: CoreEvent, callsignOf: CallsignOf = NO_NAMES): void {
  switch (event.type) {
    case "session.up":
      log.info({ repeaterId: event.repeaterId, callsign: event.callsign, address: event.address, port: event.port, portIndex: event.portIndex }, "hotspot connected");
      return;
    case "session.down":
      log.info({ repeaterId: event.repeaterId, callsign: event.callsign, reason: event.reason, portIndex: event.portIndex }, "hotspot disconnected");
      return;
    case "session.refused": {
      const fields = { repeaterId: event.repeaterId, address: event.address, port: event.port, reason: event.reason, callsign: event.callsign };
      if (event.reason === "rate-limited") log.warn(fields, "login refused: too many login attempts from this address, address banned");
      else log.info(fields, "login refused");
      return;
    }
    case "session.conflict":
      log.warn(
        { repeaterId: event.repeaterId, oldAddress: event.oldAddress, newAddress: event.newAddress },
        "two stations are using the same repeater id (both keep talking from different addresses)",
      );
      return;
    case "stream.start":
      log.info({ streamId: event.streamId, port: event.portName, sourceId: event.sourceId, ...sourceName(callsignOf, event.sourceId), destinationId: event.destinationId, slot: event.slot, callType: event.callType, kind: event.kind }, "stream start");
      return;
    case "stream.end":
      log.info(
        {
          streamId: event.streamId,
          port: event.portName,
          sourceId: event.sourceId,
          ...sourceName(callsignOf, event.sourceId),
          destinationId: event.destinationId,
          slot: event.slot,
          callType: event.callType,
          kind: event.kind,
          durationMs: Math.round(event.durationMs),
          frames: event.frames,
          lost: event.lost,
          talkerAlias: event.talkerAlias,
          endedBy: event.endedBy,
        },
        "stream end",
      );
      return;
    case "link.up":
      log.info({ link: event.link, reason: event.reason }, "link up");
      return;
    case "link.down":
      log.warn({ link: event.link, reason: event.reason }, "link down");
      return;
    case "log":
      log[event.level](event.data ?? {}, event.msg);
      return;
    case "stats":
      return; // counters for the status API and metrics, not for the log
    default: {
      const other = event as { type: string };
      log.debug({ event: other }, other.type);
    }
  }
}

/** Register the event log on the bus (throws if the name is taken). Returns unregister. */
export function registerEventLog(bus: EventBus<CoreEvent>, log: Logger, queueCapacity = 4096, callsignOf: CallsignOf = NO_NAMES): () => void {
  return bus.register(EVENT_LOG_SERVICE, (event) => logEvent(log, event, callsignOf), { queueCapacity });
}
