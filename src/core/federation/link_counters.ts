/**
 * Counters of one OpenBridge/FBP link: every datagram in is counted once, under the first reason
 * it was dropped or as accepted; addressNotFollowed, addressFollowed and layoutByLength are
 * observations on top (a datagram they count is also counted as what it was). Plain numbers,
 * incremented on the packet path.
 * @module
 */

export class LinkCounters {
  // ---- in ----
  datagramsIn = 0;
  framesIn = 0;
  keepalivesIn = 0;
  quenchesIn = 0;
  versionsIn = 0;
  /** Not an OpenBridge datagram, or a known tag with the wrong length. */
  malformed = 0;
  /** DMRF (protocols 2/3), EOBP, BCTO, BCST: known, not spoken. */
  unsupported = 0;
  /** Source address/port is not the configured peer (strict checks). */
  badSource = 0;
  /** MAC did not verify: wrong passphrase, corruption or forgery. */
  badMac = 0;
  /** Bytes 11–14 are not the link's network id. */
  badNetworkId = 0;
  /** DMRD on an FBP link or DMRE on a plain v1 link. */
  wrongProtocol = 0;
  /** OBP v1 frame with the TS2 bit (§2.2: all traffic on TS1). */
  badSlot = 0;
  /** Not a decodable DMRD inside (frame type 3). */
  badFrame = 0;
  /** FBP timestamp older than maxAgeMs. */
  tooOld = 0;
  /** FBP hop count would exceed maxHops. */
  tooManyHops = 0;
  /** FBP source server 0, or our own id (our traffic came back). */
  badSourceServer = 0;
  /** Low-level talkgroup filter (TG ≤ 79, 9990–9999, regional/national rules). */
  filtered = 0;
  /** Subscriber or talkgroup ACL. */
  acl = 0;
  /** Unit call on a link that does not carry them, or to a local service number (< 1,000,000). */
  unitRefused = 0;
  /** Loop control: the stream is arriving from another port or is local. */
  loop = 0;
  /** Control packets ignored because the link is not enhanced. */
  controlIgnored = 0;
  /**
   * Signed packets from an address other than the peer's that did not move the link (relaxed
   * checks): keepalives, control and OpenBridge v1 frames never do (replayable), FBP frames only
   * with a fresh timestamp. Accepted as proof of life; nothing is sent to that address.
   */
  addressNotFollowed = 0;
  /** The link started sending to a new peer address (fresh FBP traffic, or first contact). */
  addressFollowed = 0;
  /** FBP frames whose version byte disagreed with their length; the layout was taken from the length. */
  layoutByLength = 0;

  // ---- out ----
  framesOut = 0;
  keepalivesOut = 0;
  quenchesOut = 0;
  versionsOut = 0;
  /** BCKA answers to keepalives from another address while the peer's address was silent. */
  keepaliveAnswers = 0;
  /** Router frames not sent: link down (no keepalive) or peer address unknown. */
  egressDown = 0;
  /** Router frames not sent: the peer quenched the stream (BCSQ). */
  egressQuenched = 0;
  /** Router frames not sent: the stream came from this link (never echo). */
  egressEcho = 0;
  /** Router frames not sent: filter, ACL or unit-call rules. */
  egressFiltered = 0;
  /** Outbox full. */
  egressDropped = 0;
}
