/**
 * A call start or end as a BrandMeister-style last-heard record: BrandMeister's field names where
 * freedmr has the same thing (SourceID, SourceCall, SourceName, DestinationID, DestinationName,
 * TalkerAlias, Slot, Start, Stop, Event, LinkName, …; field-2026-12.md §4), so notifier bots and
 * web apps written for BrandMeister's last-heard feed read it unchanged. Fields BrandMeister has
 * and freedmr cannot know (RSSI, BER, RouteList) are absent; freedmr's additions (EndedBy,
 * DurationMs) are marked as such in docs/api.md.
 *
 * Built once per call event (never per frame) and serialised once for every client.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";
import type { CoreEvent } from "../../core/events.ts";

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

export const LastHeardRecordSchema = Type.Object(
  {
    Event: Type.Union([Type.Literal("Session-Start"), Type.Literal("Session-Stop")], { description: "Call started or ended (BrandMeister's event names)." }),
    SessionID: Type.String({ description: "Stream id, 8 hex digits (with LinkName and Start it names the call)." }),
    LinkName: Type.String({ description: "Where the call entered: the hotspot's callsign and id, or the link's name." }),
    LinkTypeName: Type.Union([Type.Literal("Hotspot"), Type.Literal("Network")], { description: '"Hotspot" (an HBP hotspot/repeater) or "Network" (an OpenBridge/FBP link or upstream master).' }),
    LinkCall: Type.String({ description: "The hotspot's callsign (empty for a link)." }),
    ContextID: Type.Integer({ description: "The hotspot's repeater id (0 for a link)." }),
    Master: Type.Integer({ description: "This server's server_id." }),
    Slot: Type.Integer({ description: "Time slot, 1 or 2." }),
    SourceID: Type.Integer({ description: "Radio id of the talker." }),
    SourceCall: Type.String({ description: "Talker's callsign from alias data (empty when unknown)." }),
    SourceName: Type.String({ description: "Talker's first name from alias data (empty when unknown)." }),
    DestinationID: Type.Integer({ description: "Talkgroup (group call) or radio id (private call)." }),
    DestinationCall: Type.String({ description: "Callsign of the called radio for a private call, from alias data (empty otherwise)." }),
    DestinationName: Type.String({ description: "Talkgroup name or called radio's name, from alias data (empty when unknown)." }),
    TalkerAlias: Type.String({ description: "Talker alias sent by the radio (Session-Stop; empty when none)." }),
    CallTypes: Type.Array(Type.String(), { description: '["Voice"|"Data", "Group"|"Private"].' }),
    Start: Type.Integer({ description: "Call start, Unix seconds." }),
    Stop: Type.Integer({ description: "Call end, Unix seconds (0 while the call runs)." }),
    TotalCount: Type.Integer({ description: "Frames received (Session-Stop; 0 at start)." }),
    LossCount: Type.Integer({ description: "Frames missing (sequence gaps)." }),
    DataCount: Type.Integer({ description: "Data frames (data calls; 0 for voice)." }),
    EndedBy: Type.String({ description: "freedmr addition: terminator, timeout, max-duration, data-complete, superseded, port-down, dropped; empty at start." }),
    DurationMs: Type.Integer({ description: "freedmr addition: call length in ms (Session-Stop)." }),
  },
  { additionalProperties: false, description: "One call start/stop, BrandMeister last-heard field names." },
);

export type LastHeardRecord = Static<typeof LastHeardRecordSchema>;

/** Alias data (callsigns and names); null fields when unknown. */
export interface NameLookup {
  radio(id: number): { callsign: string; name: string } | null;
  talkgroup(id: number): string | null;
}

export interface HotspotIdentity {
  repeaterId: number;
  callsign: string;
}

export function lastHeardRecord(
  event: EventOf<"stream.start"> | EventOf<"stream.end">,
  startWallMs: number,
  endWallMs: number,
  hotspot: HotspotIdentity | null,
  serverId: number,
  names: NameLookup | null,
): LastHeardRecord {
  const end = event.type === "stream.end" ? event : null;
  const source = names?.radio(event.sourceId) ?? null;
  const group = event.callType === "group";
  const destination = group ? null : (names?.radio(event.destinationId) ?? null);
  return {
    Event: end === null ? "Session-Start" : "Session-Stop",
    SessionID: (event.streamId >>> 0).toString(16).padStart(8, "0"),
    LinkName: hotspot !== null ? `${hotspot.callsign} ${hotspot.repeaterId}`.trim() : event.portName,
    LinkTypeName: hotspot !== null ? "Hotspot" : "Network",
    LinkCall: hotspot?.callsign ?? "",
    ContextID: hotspot?.repeaterId ?? 0,
    Master: serverId,
    Slot: event.slot,
    SourceID: event.sourceId,
    SourceCall: source?.callsign ?? "",
    SourceName: source?.name ?? "",
    DestinationID: event.destinationId,
    DestinationCall: destination?.callsign ?? "",
    DestinationName: group ? (names?.talkgroup(event.destinationId) ?? "") : (destination?.name ?? ""),
    TalkerAlias: end?.talkerAlias ?? "",
    CallTypes: [event.kind === "data" ? "Data" : "Voice", group ? "Group" : "Private"],
    Start: Math.floor(startWallMs / 1000),
    Stop: end === null ? 0 : Math.floor(endWallMs / 1000),
    TotalCount: end?.frames ?? 0,
    LossCount: end?.lost ?? 0,
    DataCount: end !== null && event.kind === "data" ? end.frames : 0,
    EndedBy: end?.endedBy ?? "",
    DurationMs: Math.round(end?.durationMs ?? 0),
  };
}
