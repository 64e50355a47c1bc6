/**
 * The packet thread's copy of the alias data: the services Worker loads and refreshes it
 * (src/services/aliases/) and posts each new table's buffers here after every load — never per
 * packet. Used where names are needed on this thread: talker-alias insertion (an AliasLookup, once
 * per stream start), the optional login callsign check (once per RPTC) and log lines.
 * @module
 */
import type { AliasLookup, AliasNames } from "../dmr/talker_alias_inserter.ts";
import type { LoginCheck } from "../core/hbp_master/hbp_master.ts";
import { AliasTable, type AliasTableData } from "../services/aliases/alias_table.ts";
import type { AliasKind } from "../services/aliases/parse.ts";

/** Radio ids are 24-bit; a 9-digit hotspot id is a radio id and a two-digit suffix. */
const RADIO_ID_MAX = 16777215;

export class AliasDirectory {
  users = AliasTable.empty();
  repeaters = AliasTable.empty();
  talkgroups = AliasTable.empty();
  /** Tables received so far (tests, logs). */
  updates = 0;

  /** A table from the Worker (its buffers were transferred). */
  update(kind: AliasKind, data: AliasTableData): void {
    const table = new AliasTable(data);
    if (kind === "users") this.users = table;
    else if (kind === "repeaters") this.repeaters = table;
    else this.talkgroups = table;
    this.updates++;
  }

  /** Callsign + first name for talker-alias insertion. */
  readonly lookup: AliasLookup = (sourceId: number): AliasNames | undefined => {
    const user = this.users.get(sourceId);
    return user === null ? undefined : { callsign: user.callsign, firstName: user.firstName };
  };

  /** The registered owner's callsign of a hotspot/repeater id, or null when the data does not know it. */
  ownerCallsign(repeaterId: number): string | null {
    return this.repeaters.field(repeaterId, "callsign") ?? this.users.field(repeaterId, "callsign") ?? (repeaterId > RADIO_ID_MAX ? this.users.field(Math.floor(repeaterId / 100), "callsign") : null);
  }

  /**
   * The login check for `[aliases] check_callsign`: the RPTC callsign must be the owner's
   * (case-insensitive, ignoring a "-suffix" or "/suffix" on either). Unknown ids are admitted (the
   * data cannot say), as is everyone until the first table has arrived.
   */
  readonly loginCheck: LoginCheck = (repeaterId, callsign) => {
    const owner = this.ownerCallsign(repeaterId);
    if (owner === null) return null;
    return baseCallsign(owner) === baseCallsign(callsign) ? null : "callsign-mismatch";
  };
}

function baseCallsign(callsign: string): string {
  return callsign.trim().toUpperCase().split(/[-/\s]/, 1)[0] ?? "";
}
