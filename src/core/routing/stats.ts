/**
 * Counters of the routing core: frames in and out, streams, and every reason a frame or a stream
 * was not delivered. Plain numbers on one object, incremented on the packet path (no allocation).
 * @module
 */

export class RoutingStats {
  framesIn = 0;
  /** Frames emitted to ports (one per target). */
  framesOut = 0;
  streamsStarted = 0;
  streamsEnded = 0;
  /** Frames lost inside streams (sequence gaps). */
  framesLost = 0;

  // ---- frames dropped, by reason ----
  /** Repeated sequence number or identical consecutive frame, or a repeated header/terminator. */
  droppedDuplicate = 0;
  /** Older sequence number than the last one seen. */
  droppedStale = 0;
  /** Source radio id or talkgroup refused by an ACL. */
  droppedAcl = 0;
  /** Reserved / local-only talkgroup. */
  droppedReserved = 0;
  /** Loop control: the same stream is arriving from another port, or finished recently. */
  droppedLoop = 0;
  /** Later frames of a stream refused at its start (loop control, ACL, reserved TG). */
  droppedRefused = 0;
  /** Stream over the maximum duration (and its late frames). */
  droppedMaxDuration = 0;
  /** Unit call or data to a radio id nobody has heard. */
  droppedNoRoute = 0;
  /** A frame that is neither a stream start nor part of a known stream (e.g. a lone terminator). */
  droppedOrphan = 0;
  /** From a port the router does not know (not up, or portIndex beyond capacity). */
  droppedUnknownPort = 0;
  /** Stream table full. */
  droppedStreamCapacity = 0;
  /** DMRA talker-alias LCs kept for the stream their radio is sending. */
  sideChannelAliases = 0;
  /** DMRA talker-alias LCs for a radio not transmitting on that port (dropped). */
  sideChannelAliasOrphan = 0;
  /** … of them from a trunk (the cluster: another node's DMRA for a stream it sends here). */
  trunkSideChannelAliases = 0;
  /** Bridge frames from the cluster for a bridge index this node does not have (dropped). */
  droppedUnknownBridge = 0;
  /** Deliveries not made because the target slot was busy (counted per frame per target). */
  deliveriesBusy = 0;
  /** Deliveries skipped because the target was quenched. */
  deliveriesQuenched = 0;
  /** Targets taken out of streams in progress because the subscription that put them there ended. */
  targetsUnsubscribed = 0;
  /** Targets not added because the per-stream target list was full. */
  targetsOverCapacity = 0;
  /** Subscriptions not added because the table was full. */
  subscriptionsOverCapacity = 0;
  /** Subscriber-map entries evicted because the map was full. */
  subscribersEvicted = 0;
  /** Streams refused at start (loop control, ACL, reserved TG …). */
  streamsRefused = 0;
  /** Parrot recordings refused because too many were in progress. */
  parrotRefused = 0;
  /** Parrot recordings cut at the maximum length. */
  parrotTruncated = 0;
  /** Parrot frames not played because the caller's slot was busy. */
  parrotFramesSkipped = 0;
  /** Parrot recordings not played back: no voice in them (e.g. a lone header). */
  parrotEmpty = 0;
  /** Parrot playbacks given up because the caller's slot stayed busy too long. */
  parrotAbandoned = 0;
  /** Options tokens rejected (bad syntax, prohibited TG, KEY mismatch). */
  optionsTokensRejected = 0;
  /** Voice announcements (dial replies, status, idents …) queued, played to the end, dropped (no free slot in time, none free, no pack), cut by the hotspot keying up, replaced by a newer one before playing. */
  announcementsQueued = 0;
  announcementsPlayed = 0;
  announcementsDropped = 0;
  announcementsAborted = 0;
  announcementsSuperseded = 0;
  /** Periodic idents queued. */
  identsQueued = 0;
  /** Streams that got an inserted talker alias; streams where the radio's own alias/GPS stopped it. */
  talkerAliasStreams = 0;
  talkerAliasYielded = 0;
}
