/**
 * Session adoption: a hotspot's session, made on another node of a cluster (or by a worker of this
 * host that restarted), taken over here without a new login.
 *
 * HBP authenticates once, at login (RPTL/RPTK/RPTC, hbp-and-dmr.md §1.2–1.3); afterwards a master
 * knows its peer only by the (repeater id, source address, source port) it logged in from, and
 * answers a keepalive or a frame from anything else with MSTNAK so the client logs in again
 * (§1.6). When a hotspot's datagrams reach a node that does not know it (a floating address moved
 * to another node during an upgrade, or the kernel's SO_REUSEPORT hash gave it to another worker
 * after a worker restarted), that node may instead ask the cluster: if the cluster holds a session
 * for exactly this id *from exactly this address and port*, which another node proved and has left
 * (or handed over, or is a worker of this host), the session is rebuilt here as Connected — the same
 * trust the owning node gave that endpoint, moved with it.
 *
 * The core only sees the record (no NATS, no clock): the shell's adopter (src/shell/cluster/
 * shared_sessions.ts) looks it up in its local mirror of the cluster's records and decides whether
 * the owner may be taken over; the HBP master then checks the record against its own rules (the
 * ACL, the access rule that decides for this id and callsign must be the one the owner's login
 * proved, the login check, max peers, bans) before building the session.
 * @module
 */
import type { RptcConfig } from "../../wire/rptc.ts";

/** A session the cluster holds for (repeater id, address, port), as the HBP master adopts it. */
export interface AdoptableSession {
  readonly repeaterId: number;
  /**
   * The RPTC configuration the hotspot sent at its login (callsign, frequencies, slots, …), as a
   * plain record (read from the cluster: every field its own property, copied by the master).
   */
  readonly config: RptcConfig;
  /**
   * Name of the access rule whose passphrase the login proved (null: the global passphrase). The
   * adopting master refuses the record unless its own rules decide this id and callsign by the same
   * rule: a passphrase proven on a node configured otherwise is not taken on trust.
   */
  readonly accessRule: string | null;
  /** The hotspot's last RPTO text, re-applied through the router's normal options path. */
  readonly options: string | null;
}

/**
 * Asked by the HBP master when a keepalive (RPTPING), a frame (DMRD) or options (RPTO) arrive for
 * a repeater id with no session here, before it answers MSTNAK. Returns the record to adopt, or
 * null (then: MSTNAK as usual). Must be synchronous and cheap (a Map lookup): it runs on the packet
 * thread for every datagram of an unknown peer.
 */
export type SessionAdopter = (nowMs: number, repeaterId: number, socketIndex: number, address: string, port: number) => AdoptableSession | null;

/** Why the master refused a record the adopter offered (counted as adoptionsRefused, then MSTNAK). */
export const enum AdoptionRefusal {
  /** The record names another repeater id (a bug in the adopter, or a malformed record). */
  WrongId = 1,
  /** The registration ACL, an access rule, or the login check refuses the id/callsign now. */
  Denied = 2,
  /** The rule that decides here is not the one the owner's login proved. */
  OtherRule = 3,
  /** The server is full (max peers). */
  Full = 4,
  /** The source prefix is banned for this id (login_guard.ts). */
  Banned = 5,
}
