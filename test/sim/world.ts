/**
 * The simulated world shared by the workload (what happens) and the auditor (what should have
 * been delivered): sessions (hotspots), radios, and calls as planned by the workload.
 * @module
 */

export interface SessionSpec {
  readonly index: number;
  readonly repeaterId: number;
  readonly callsign: string;
  readonly simplex: boolean;
  readonly accessRule: string | null;
  readonly radios: RadioSpec[];
}

export interface RadioSpec {
  readonly radioId: number;
  readonly session: number;
  /** Slot the radio transmits on (a simplex hotspot may use either). */
  readonly slot: 1 | 2;
}

export type CallPurpose =
  /** group voice to a talkgroup from the pool */
  | "group"
  /** group voice to a reserved number (must go nowhere) */
  | "reserved"
  /** group voice on TG 9 (dial-a-TG reflector traffic when linked) */
  | "reflector"
  /** private call to a reflector number: link */
  | "dial"
  | "unlink"
  | "status"
  /** private voice to a radio id */
  | "private"
  /** group call to the parrot TG */
  | "parrot"
  | "unitData"
  | "groupData";

export interface CallFaults {
  /** headers dropped at the source (late entry) */
  lateEntry: boolean;
  streamIdZero: boolean;
  /** the header sent three times (same stream id, seq +1 each) */
  repeatedHeaders: boolean;
  /** DMR+ style: several headers, each with its own stream id */
  dmrPlusHeaders: boolean;
  /** a key-up without speech: header and terminator, no voice */
  kerchunk: boolean;
  /** frames dropped, duplicated or reordered on the way (decided per frame) */
  lossy: boolean;
}

export interface CallPlan {
  readonly id: number;
  readonly session: number;
  readonly radioId: number;
  readonly slot: 1 | 2;
  readonly callType: "group" | "unit";
  readonly kind: "voice" | "data";
  readonly destinationId: number;
  readonly purpose: CallPurpose;
  readonly faults: CallFaults;
  /** frames planned (before faults) */
  readonly plannedFrames: number;
  readonly plannedStartMs: number;
  /**
   * A probe of the final phase (faults healed, one call at a time, every target idle): it must
   * reach every target that is surely subscribed for its whole length.
   */
  readonly probe?: boolean;
}
