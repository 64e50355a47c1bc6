/**
 * What the HBP master counts. Plain numeric fields, bumped in place (no allocation); `snapshot`
 * copies them for stats/metrics.
 * @module
 */

export class HbpCounters {
  /** Every datagram handed to the master. */
  datagrams = 0;
  // Malformed, by reason (dropped, no reply).
  malformedTooShort = 0;
  malformedUnknownTag = 0;
  malformedBadLength = 0;
  /** DMRD of a valid length that failed to decode (bad frame type). */
  malformedDmrd = 0;
  /** An exception escaped a handler path (a bug); the datagram was dropped. */
  handlerErrors = 0;
  // Protocol outcomes.
  loginsRequested = 0;
  loginsAuthenticated = 0;
  loginsConnected = 0;
  /** Datagrams naming a live id but sent from another address (dropped). */
  spoofed = 0;
  /** Datagrams from an id with no session (answered with MSTNAK). */
  unknownPeer = 0;
  /** Cluster: the same, while the node's copy of the shared sessions was still loading (dropped, not NAKed; HbpMaster.holdUnknownPeers). */
  unknownPeerHeld = 0;
  /** Datagrams from the right address in the wrong state (answered with MSTNAK). */
  wrongState = 0;
  badPassphrase = 0;
  refusedAcl = 0;
  refusedAccessRule = 0;
  refusedCallsign = 0;
  refusedMaxPeers = 0;
  refusedInvalidId = 0;
  /** RPTK refused: HANDSHAKES_PER_PREFIX_MAX sessions from this source are already waiting for RPTC ("handshake-limit"). */
  refusedPendingFull = 0;
  /** Login attempts dropped unanswered: the source prefix is banned and the id failed from it. */
  rateLimited = 0;
  // Login protection (login_guard.ts), copied from the guard when stats are taken.
  /** Bans started (source prefixes: IPv4 address, IPv6 /64). */
  bansStarted = 0;
  /** Salts sent that no RPTK answered within 10–20 s (each counts as a failed login). */
  unansweredHandshakes = 0;
  /** New sources not tracked because the table was full of bans. */
  loginSourcesUntracked = 0;
  replaced = 0;
  conflicts = 0;
  timeouts = 0;
  closedByPeer = 0;
  pings = 0;
  options = 0;
  dmrdIn = 0;
  dmrdShortIn = 0;
  dmrdOut = 0;
  /** Frames the router asked us to send to a session that is not connected. */
  dmrdOutDropped = 0;
  talkerAlias = 0;
  gps = 0;
  /** DMRA/DMRG matching no connected session by id or address (dropped, never NAKed). */
  sideChannelUnattributed = 0;
  sideChannelMalformed = 0;
  homePosition = 0;
  /** Cluster: sessions taken over from a record the cluster holds for the same endpoint (session_adoption.ts), no re-login. */
  adoptions = 0;
  /** Cluster: records the adopter offered that our own rules refused (then MSTNAK). */
  adoptionsRefused = 0;
  /** Replies not sent because a whole shared reply pool was waiting in the outbox (reply_pool.ts). */
  repliesDropped = 0;

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of Object.keys(this) as (keyof this)[]) {
      const value = this[key];
      if (typeof value === "number") out[key as string] = value;
    }
    return out;
  }
}
