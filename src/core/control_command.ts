/**
 * Commands the operator plane (the services Worker: admin actions, self-care) sends to the packet
 * thread. They are plain, bounded records: the Worker never calls the core; the shell applies each
 * command to the core between datagrams, on its tick (src/shell/control_commands.ts), and answers
 * with a ControlResult.
 * @module
 */
import type { HotspotSettings } from "./routing/hotspots/hotspot_settings.ts";

export type ControlCommand =
  /** Admin: end a hotspot's session (MSTCL). */
  | { kind: "kick"; repeaterId: number }
  /** Admin: stop routing a call in progress (portIndex null: wherever it arrives). */
  | { kind: "drop-call"; streamId: number; portIndex: number | null }
  /** Admin: forget a hotspot's dynamic talkgroups and dial link (the default reflector is relinked). */
  | { kind: "clear-dynamic"; repeaterId: number }
  /** Admin: reload the config (answered "not-supported" until reload exists). */
  | { kind: "reload" }
  /**
   * Self-care: replace a hotspot's settings. `credential` is the options KEY the hotspot sent or
   * the per-hotspot secret the sysop issued; it is checked against this repeater id only.
   */
  | { kind: "set-settings"; repeaterId: number; credential: string; settings: HotspotSettings }
  /** Diagnostics: exact subscriptions (with expiry), dial link and settings of one hotspot. */
  | { kind: "inspect"; repeaterId: number };

export type ControlErrorCode = "not-found" | "unauthorized" | "forbidden" | "not-supported" | "busy" | "invalid" | "unavailable";

export type ControlResult = { ok: true; data?: unknown } | { ok: false; code: ControlErrorCode; message: string };

/** What `inspect` answers (plain data). */
export interface HotspotInspection {
  repeaterId: number;
  connected: boolean;
  portIndex: number | null;
  /** The RPTO options in force, with the KEY value hidden. */
  options: string | null;
  subscriptions: { slot: 1 | 2; talkgroupId: number; conference: string; kind: string; active: boolean; expiresInSeconds: number | null }[];
  dialedReflector: number;
  settings: HotspotSettings;
  /** How this hotspot may authenticate self-care: its options KEY, a sysop secret, or neither. */
  selfCare: { keySet: boolean; secretIssued: boolean };
}

export { redactOptionKey } from "../lib/option_key.ts";
