/**
 * The HomeBrew master: hotspots and repeaters log in here (hbp-and-dmr.md §1, freedmr-reference.md
 * §1.5) and become ports of the router.
 *
 * Handshake: RPTL → `RPTACK`+salt → RPTK (sha256(salt ‖ passphrase), constant-time compare) →
 * `RPTACK`+id → RPTC (302 bytes) → `RPTACK`+id → [RPTO → `RPTACK`+id] → connected.
 * RPTPING → `MSTPONG`+id. RPTCL removes the peer. Anything from an unknown peer or a peer in the
 * wrong state → `MSTNAK`+id (that is how a client learns to log in again, §1.6).
 *
 * Identity: a session is bound to (id, socket, address, port). A known id may log in again from a
 * new address at any time (clients reopen their socket after NAK/MSTCL/timeout), but an RPTL that
 * has not authenticated never evicts, disturbs or NAKs the live session: the live session is
 * replaced only when the new one passes RPTK. A packet naming a live id from any other address is
 * dropped and counted (spoofed). If the replaced address keeps talking, two stations share the id:
 * logged as a conflict.
 *
 * Logins a flood cannot block: an RPTL leaves no state (the salt is a cookie, salt_cookie.ts, checked
 * again at RPTK), so there is no table of half-open logins to fill. State exists only once a peer
 * has proven the passphrase, and sessions waiting for RPTC are bounded per source prefix once the
 * server is half full (HANDSHAKES_PER_PREFIX_MAX). Failed and unanswered handshakes are counted per prefix and lead to
 * bans that never block a correct login (login_guard.ts).
 *
 * Hot path (RPTPING, DMRD from a connected peer): one Map lookup by numeric id, one endpoint
 * compare, a decode into a reused DmrdFrame, a push of a pre-encoded reply. No allocation.
 * @module
 */
import { aclPermits } from "../acl.ts";
import { carriesOptionKey } from "../../lib/option_key.ts";
import { NumberMap } from "../../lib/number_map.ts";
import { Endpoint, plainAddress } from "../endpoint.ts";
import type { CoreEvent, EventSink, RefusalReason, SessionDownReason } from "../events.ts";
import type { HostedHandler, SocketSpec } from "../datagram_handler.ts";
import type { Outbox } from "../outbox.ts";
import type { FrameRouter } from "../router_contract.ts";
import type { Prng } from "../../lib/prng.ts";
import { DmrdFrame, DmrdStatus, decodeDmrd, readUint32 } from "../../wire/dmrd.ts";
import {
  HbpClassification,
  HbpKind,
  HbpMalformed,
  RPTO_HEADER_LENGTH,
  classifyHbp,
  rptkDigest,
} from "../../wire/hbp.ts";
import { fieldText, parseRptc } from "../../wire/rptc.ts";
import { DMRA_DATA_BYTES, DmraMessage, DmraStatus, decodeDmra } from "../../wire/dmra.ts";
import { DmrgMessage, DmrgStatus, decodeDmrg } from "../../wire/dmrg.ts";
import { AccessRules, type CompiledRule } from "./access_rules.ts";
import { constantTimeEqual, passphraseBytes, verifyLogin } from "./auth.ts";
import { HbpCounters } from "./counters.ts";
import { loginPrefix } from "./address_prefix.ts";
import { LoginGuard } from "./login_guard.ts";
import { LoginRefusalReporter } from "./login_refusals.ts";
import { SALT_SECRET_BYTES, SaltCookie } from "./salt_cookie.ts";
import type { HbpMasterOptions } from "./options.ts";
import { PortIndexPool, type PortIndexAllocator } from "./port_index_pool.ts";
import { EndpointIndex } from "./endpoint_index.ts";
import { HbpSession, SessionBatch, SessionState } from "./session.ts";
import { SessionColumns } from "./session_columns.ts";
import { ReplyPool } from "./reply_pool.ts";
import { AdoptionRefusal, type AdoptableSession, type SessionAdopter } from "./session_adoption.ts";
import { TextIntern, flatText } from "./text_intern.ts";

export interface HbpMasterDeps {
  router: FrameRouter;
  outbox: Outbox;
  events: EventSink;
  prng: Prng;
  /** Shared with every other kind of port; a private pool if omitted (HBP-only setups, tests). */
  portIndexes?: PortIndexAllocator;
  /**
   * Key for the login salts (salt_cookie.ts), ≥ 16 bytes from a cryptographic source: the shell
   * draws it (src/shell/login_secret.ts). Derived from `prng` if omitted (tests: reproducible salts).
   */
  saltSecret?: Uint8Array;
  /**
   * Extra check once the callsign is known (RPTC), after the access rules: the shell passes one
   * (e.g. "the callsign is the registered owner of this id", alias data); null admits the login,
   * a reason refuses it with MSTNAK and a session.refused event carrying that reason.
   */
  loginCheck?: LoginCheck;
  /**
   * Cluster: a session another node (or a restarted worker of this host) made for the same
   * (id, address, port), taken over without a new login (session_adoption.ts). None = MSTNAK.
   */
  adopter?: SessionAdopter;
}

/** See HbpMasterDeps.loginCheck. */
export type LoginCheck = (repeaterId: number, callsign: string) => RefusalReason | null;

/** What `reconfigure` did (reload). */
export interface HbpReconfigureResult {
  /** Connected sessions the new rules deny now: closed with MSTCL (session.down "denied"). */
  closed: number[];
}

/** Housekeeping (timeouts, rate-limit table) runs at most this often (sooner for short test timeouts), whatever the tick rate. */
const SWEEP_INTERVAL_MS = 1_000;
const RATE_SWEEP_INTERVAL_MS = 10_000;
/**
 * Sessions between RPTK and RPTC per source prefix, once the server is half full (sessions ≥
 * max_peers / 2). Real clients send RPTC within milliseconds of the RPTK acknowledgement, so this
 * only bites when one prefix holds many handshakes open (someone who knows the passphrase): it can
 * then never take the rest of max_peers from everyone else. Below half full there is room for all,
 * and a burst of logins from one address (a CGNAT address or a test rig after a restart) is never
 * refused. A peer refused here is told with MSTNAK and retries 10 s later (hbp-and-dmr.md §1.6).
 */
export const HANDSHAKES_PER_PREFIX_MAX = 1024;
/**
 * Timed-out sessions removed per housekeeping pass. A mass timeout (the hotspots of a region losing
 * their uplink at once) costs ~15 µs per session including the router's clean-up; spreading it over
 * ticks keeps the loop responsive (10,000 sessions in ~40 ticks instead of one 150 ms stall).
 */
export const TIMEOUTS_PER_SWEEP_MAX = 256;
/** At most one conflict report per id per this long. */
const CONFLICT_REPORT_INTERVAL_MS = 60_000;

export interface HbpMasterStats {
  sessions: number;
  connected: number;
  pendingLogins: number;
  bannedAddresses: number;
  counters: Record<string, number>;
}

/** Summary of one session for dashboards, the CLI and tests. */
export interface HbpSessionInfo {
  repeaterId: number;
  callsign: string;
  state: "authenticated" | "connected";
  address: string;
  port: number;
  socketIndex: number;
  portIndex: number;
  accessRule: string | null;
  options: string | null;
  simplex: boolean;
  connectedAtMs: number;
  lastHeardMs: number;
  framesIn: number;
  framesOut: number;
  softwareId: string;
  packageId: string;
}

/** An adopted session proved nothing here: no RPTK digest to keep (forgotten at connect anyway). */
const NO_LOGIN_DIGEST = new Uint8Array(0);
/** #adopt: a record was offered and this node's rules refused it (an answer: NAKed, never held). */
const ADOPTION_REFUSED = "refused";

export class HbpMaster implements HostedHandler {
  readonly name: string;
  readonly counters = new HbpCounters();
  /** Replaced as a whole by `reconfigure` (reload); sockets keep the values they were opened with. */
  options: HbpMasterOptions;
  readonly #router: FrameRouter;
  readonly #outbox: Outbox;
  readonly #events: EventSink;
  readonly #prng: Prng;
  readonly #portIndexes: PortIndexAllocator;
  #rules: AccessRules;
  #globalPassphrase: Uint8Array;
  #loginCheck: LoginCheck | null;
  #adopter: SessionAdopter | null;
  /** Cluster: until then, unknown peers' pings, frames and options are dropped rather than NAKed (holdUnknownPeers). */
  #holdUnknownUntilMs = Number.NEGATIVE_INFINITY;
  readonly #guard: LoginGuard;
  /** session.refused events, summed up per source and reason while a source floods (login_refusals.ts). */
  readonly #refusals = new LoginRefusalReporter((event) => this.#publish(event));
  readonly #cookie: SaltCookie;
  /** Live sessions (authenticated or connected), one per repeater id (a NumberMap: ~26 bytes per hotspot where a Map takes ~130). */
  readonly #sessions = new NumberMap<HbpSession>();
  /** Sessions between RPTK and RPTC, per source prefix (entries removed at 0). */
  readonly #handshakes = new Map<string, number>();
  /** Every fixed reply (RPTACK+salt/id, MSTNAK, MSTPONG, MSTCL), stamped at send time (reply_pool.ts). */
  readonly #replies = new ReplyPool();
  /** Shared copies of repeated RPTC texts (text_intern.ts). */
  readonly #texts = new TextIntern();
  readonly #sessionRecords = new SessionBatch(new SessionColumns(this.counters));
  #sweepIntervalMs: number;
  readonly #classification = new HbpClassification();
  readonly #frame = new DmrdFrame();
  readonly #dmra = new DmraMessage();
  readonly #dmrg = new DmrgMessage();
  /** Live sessions by endpoint, for side-channel messages that carry no id (numeric keys for IPv4, endpoint_index.ts). */
  readonly #byEndpoint = new EndpointIndex<HbpSession>();
  #connected = 0;
  #lastSweepMs = Number.NEGATIVE_INFINITY;
  /** More timed-out sessions are waiting than the last pass removed: sweep again on the next tick. */
  #sweepBacklog = false;
  #lastRateSweepMs = 0;
  #shutdownQueue: HbpSession[] | null = null;

  constructor(options: HbpMasterOptions, deps: HbpMasterDeps) {
    if (options.bindAddresses.length === 0) throw new Error("hbp: at least one bind address is required");
    if (options.passphrase === "") throw new Error("hbp: the passphrase must not be empty");
    this.options = options;
    this.name = options.name ?? "hbp";
    this.#router = deps.router;
    this.#outbox = deps.outbox;
    this.#events = deps.events;
    this.#prng = deps.prng;
    this.#portIndexes = deps.portIndexes ?? new PortIndexPool();
    this.#rules = new AccessRules(options.accessRules);
    this.#globalPassphrase = passphraseBytes(options.passphrase);
    this.#guard = new LoginGuard(options.loginRateLimitPerMinute, options.loginBanMs);
    this.#cookie = new SaltCookie(deps.saltSecret ?? secretFrom(deps.prng));
    this.#loginCheck = deps.loginCheck ?? null;
    this.#adopter = deps.adopter ?? null;
    this.#sweepIntervalMs = Math.max(10, Math.min(SWEEP_INTERVAL_MS, Math.floor(options.peerTimeoutMs / 4)));
  }

  socketSpecs(): readonly SocketSpec[] {
    return this.options.bindAddresses.map((bindAddress, i) => ({
      name: this.options.bindAddresses.length === 1 ? this.name : `${this.name}#${i}`,
      bindAddress,
      port: this.options.port,
      receiveBufferBytes: this.options.receiveBufferBytes,
      reusePort: this.options.reusePort === true,
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // Entry points

  onDatagram(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    this.counters.datagrams++;
    try {
      this.#dispatch(nowMs, socketIndex, address, port, bytes);
    } catch (error) {
      // A bug, not bad input: count it, report it, keep serving everyone else.
      this.counters.handlerErrors++;
      this.#publish({
        type: "log",
        atMs: nowMs,
        level: "error",
        msg: "hbp: exception while handling a datagram (dropped)",
        data: { error: error instanceof Error ? (error.stack ?? error.message) : String(error), length: bytes.length },
      });
    }
  }

  onTick(nowMs: number): void {
    this.#refusals.flush(nowMs);
    if (!this.#sweepBacklog && nowMs - this.#lastSweepMs < this.#sweepIntervalMs) return;
    this.#lastSweepMs = nowMs;
    try {
      this.#sweepBacklog = !this.#sweep(nowMs);
    } catch (error) {
      this.counters.handlerErrors++;
      this.#publish({ type: "log", atMs: nowMs, level: "error", msg: "hbp: exception in housekeeping", data: { error: String(error) } });
    }
  }

  /** A sweep backlog (many sessions), or peer timeouts so short the sweep runs more often than the idle tick. */
  wantsFastTick(): boolean {
    return this.#sweepBacklog || this.#sweepIntervalMs < SWEEP_INTERVAL_MS;
  }

  /**
   * Say goodbye: MSTCL+id to every live peer, ports down. Returns false while more remain than
   * the outbox could take (the shell drains and calls again).
   */
  shutdown(nowMs: number): boolean {
    this.#refusals.flush(nowMs, true); // the counts still held: exact to the end
    if (!this.goodbyeOnShutdown) {
      // cluster hand-over: the peers keep talking to the shared address and reach another node
      for (const session of [...this.#sessions.values()]) this.#removeSession(nowMs, session, "shutdown");
      return true;
    }
    if (this.#shutdownQueue === null) {
      this.#shutdownQueue = [...this.#sessions.values()];
    }
    const queue = this.#shutdownQueue;
    while (queue.length > 0) {
      if (this.#outbox.count >= this.#outbox.capacity || this.#replies.close.room(this.#outbox) === 0) return false;
      const session = queue.pop()!;
      this.#reply(this.#replies.close, session.endpoint, session.repeaterId);
      this.#removeSession(nowMs, session, "shutdown");
    }
    return true;
  }

  /**
   * Admin: end a live session (MSTCL+id to the peer, port down, session.down "kicked"). The client
   * may log in again; an access rule or ban is what keeps it out. False when the id has no session.
   */
  kick(nowMs: number, repeaterId: number): boolean {
    const session = this.#sessions.get(repeaterId);
    if (session === undefined) return false;
    if (this.#outbox.count < this.#outbox.capacity) this.#reply(this.#replies.close, session.endpoint, repeaterId);
    this.#removeSession(nowMs, session, "kicked");
    return true;
  }

  /**
   * Cluster hand-over (DMRHub's graceful hand-off): false = shutdown() sends no MSTCL, so the
   * peers keep sending to the shared address (DNS name or floating IP) and move to another node
   * at their own next keepalive instead of all re-logging at once. Default true.
   */
  goodbyeOnShutdown = true;

  /**
   * Cluster: the repeater logged in on another node since; forget its session here without a word
   * to the peer (an MSTCL could reach the hotspot at its new node's shared address), session.down
   * "moved". False when the id has no session.
   */
  release(nowMs: number, repeaterId: number): boolean {
    const session = this.#sessions.get(repeaterId);
    if (session === undefined) return false;
    this.#removeSession(nowMs, session, "moved");
    return true;
  }

  /**
   * Reload: new passphrases, access rules, registration ACL, peer timeout, max peers and login
   * limits. Sessions stay connected and keep the passphrase they proved; the new values apply at
   * the next login. A connected session the new ACL or rules deny now is closed with MSTCL
   * (session.down "denied"). Socket options (bind addresses, port, receive buffer) are kept: they
   * need a restart, and the caller says so.
   */
  reconfigure(nowMs: number, next: HbpMasterOptions): HbpReconfigureResult {
    if (next.passphrase === "") throw new Error("hbp: the passphrase must not be empty");
    const rules = new AccessRules(next.accessRules); // throws on a bad rule before anything changes
    const old = this.options;
    this.options = { ...next, bindAddresses: old.bindAddresses, port: old.port, receiveBufferBytes: old.receiveBufferBytes, ...(old.reusePort !== undefined ? { reusePort: old.reusePort } : {}), ...(old.name !== undefined ? { name: old.name } : {}) };
    this.#rules = rules;
    this.#globalPassphrase = passphraseBytes(next.passphrase);
    this.#guard.limit = next.loginRateLimitPerMinute;
    this.#guard.banMs = next.loginBanMs;
    this.#sweepIntervalMs = Math.max(10, Math.min(SWEEP_INTERVAL_MS, Math.floor(next.peerTimeoutMs / 4)));
    const closed: number[] = [];
    for (const session of [...this.#sessions.values()]) {
      if (session.state !== SessionState.Connected) continue;
      const rule = rules.atConfig(session.repeaterId, session.callsign);
      const denied = !aclPermits(this.options.registrationAcl, session.repeaterId) || (rule !== null && !rule.allow);
      if (!denied) continue;
      closed.push(session.repeaterId);
      // (past the shared reply pool's size per call the goodbye is skipped, counted: the client learns by NAK)
      if (this.#outbox.count < this.#outbox.capacity) this.#reply(this.#replies.close, session.endpoint, session.repeaterId);
      this.#removeSession(nowMs, session, "denied");
    }
    return { closed };
  }

  /** Cluster: set (or remove, null) the session adopter (session_adoption.ts). */
  setSessionAdopter(adopter: SessionAdopter | null): void {
    this.#adopter = adopter;
  }

  /**
   * Cluster: until `untilMs` (the clock of onDatagram), a ping, frame or options text from a
   * repeater id with no session here and none to adopt is dropped and counted (unknownPeerHeld)
   * instead of answered MSTNAK. A node (or restarted worker) that shares sessions opens its socket
   * before its copy of the cluster's sessions has loaded; a NAK in that moment would send a hotspot
   * that another node logged in, and that this one is about to take over, back to a new login.
   * Held, the hotspot's next keepalive finds its session. Logins are never held. `untilMs` ≤ now
   * (e.g. 0) ends the hold at once.
   */
  holdUnknownPeers(untilMs: number): void {
    this.#holdUnknownUntilMs = untilMs;
  }

  /** Replace (or remove, null) the extra login check applied at RPTC (reload, alias data). */
  setLoginCheck(check: LoginCheck | null): void {
    this.#loginCheck = check;
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get connectedCount(): number {
    return this.#connected;
  }

  /** Source prefixes banned now (IPv4 address or IPv6 /64, login_guard.ts). */
  bannedPrefixes(nowMs: number): string[] {
    return this.#guard.bannedPrefixes(nowMs);
  }

  /** Login-protection counters of the guard (tests, benches). */
  get guardStats(): { prefixes: number; bansStarted: number; unanswered: number; untracked: number; blockedIdsFull: number } {
    const g = this.#guard;
    return { prefixes: g.size, bansStarted: g.bansStarted, unanswered: g.unanswered, untracked: g.untracked, blockedIdsFull: g.blockedIdsFull };
  }

  session(repeaterId: number): HbpSession | undefined {
    return this.#sessions.get(repeaterId);
  }

  sessions(): IterableIterator<HbpSession> {
    return this.#sessions.values();
  }

  sessionInfos(): HbpSessionInfo[] {
    const out: HbpSessionInfo[] = [];
    for (const s of this.#sessions.values()) {
      const config = s.config;
      out.push({
        repeaterId: s.repeaterId,
        callsign: s.callsign,
        state: s.connected ? "connected" : "authenticated",
        address: plainAddress(s.endpoint.address),
        port: s.endpoint.port,
        socketIndex: s.endpoint.socketIndex,
        portIndex: s.portIndex,
        accessRule: s.accessRule,
        options: s.options,
        simplex: s.simplex,
        connectedAtMs: s.connectedAtMs,
        lastHeardMs: s.lastHeardMs,
        framesIn: s.framesIn,
        framesOut: s.framesOut,
        softwareId: config?.softwareId ?? "",
        packageId: config?.packageId ?? "",
      });
    }
    return out;
  }

  stats(nowMs: number): HbpMasterStats {
    this.counters.bansStarted = this.#guard.bansStarted;
    this.counters.unansweredHandshakes = this.#guard.unanswered;
    this.counters.loginSourcesUntracked = this.#guard.untracked;
    return {
      sessions: this.#sessions.size,
      connected: this.#connected,
      pendingLogins: this.#sessions.size - this.#connected,
      bannedAddresses: this.#guard.bannedCount(nowMs),
      counters: this.counters.snapshot(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Dispatch

  #dispatch(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.#classification;
    const kind = this.#classifyOrCount(bytes, c);
    if (kind === 0) {
      if (c.malformed === HbpMalformed.BadLength) this.#explainBadConfig(nowMs, socketIndex, address, port, bytes);
      return;
    }
    const repeaterId = c.repeaterId;
    if (kind === HbpKind.Rptl || kind === HbpKind.Rptk) {
      if (kind === HbpKind.Rptl) this.#onRptl(nowMs, socketIndex, address, port, repeaterId);
      else this.#onRptk(nowMs, socketIndex, address, port, repeaterId, bytes);
      this.#reportNewBans(nowMs, repeaterId, port);
      return;
    }

    if (kind === HbpKind.Dmra || kind === HbpKind.Dmrg) return this.#onSideChannel(nowMs, kind, socketIndex, address, port, repeaterId, bytes);
    let session = this.#sessions.get(repeaterId);
    if (session === undefined) {
      // A client that is leaving ignores replies (and a login in progress leaves no state to forget).
      if (kind === HbpKind.Rptcl) return;
      // Cluster: a session made elsewhere for exactly this endpoint may be taken over (no re-login).
      let refused = false;
      if (this.#adopter !== null && (kind === HbpKind.Rptping || kind === HbpKind.Dmrd || kind === HbpKind.Rpto)) {
        const adopted = this.#adopt(nowMs, socketIndex, address, port, repeaterId);
        if (adopted === ADOPTION_REFUSED) refused = true;
        else session = adopted;
      }
      if (session === undefined) {
        // an RPTC belongs to a login begun elsewhere, and a refused record is an answer: both NAKed
        if (nowMs < this.#holdUnknownUntilMs && kind !== HbpKind.Rptc && !refused) {
          this.counters.unknownPeerHeld++;
          return;
        }
        this.counters.unknownPeer++;
        this.#nak(socketIndex, address, port, repeaterId);
        return;
      }
    }
    if (!session.endpoint.matches(socketIndex, address, port)) {
      this.#onForeignAddress(nowMs, session, kind, socketIndex, address, port);
      return;
    }
    session.lastHeardMs = nowMs;
    switch (kind) {
      case HbpKind.Dmrd:
        return this.#onDmrd(nowMs, session, bytes);
      case HbpKind.Rptping:
        if (session.state !== SessionState.Connected) return this.#wrongState(session);
        this.counters.pings++;
        this.#reply(this.#replies.pong, session.endpoint, repeaterId);
        return;
      case HbpKind.Rptc:
        return this.#onRptc(nowMs, session, bytes);
      case HbpKind.Rpto:
        return this.#onRpto(nowMs, session, bytes);
      case HbpKind.Rptcl:
        this.counters.closedByPeer++;
        this.#removeSession(nowMs, session, "closed-by-peer");
        return;
      case HbpKind.Rptg:
        this.counters.homePosition++;
        return;
    }
  }

  /**
   * DMRA/DMRG (hbp-and-dmr.md §3.1–3.2): optional metadata in three layouts, one of which has no
   * repeater id (bytes 4–7 are the source id), so they are matched to the session by the id when
   * it names the sender, else by the sender's address. Never NAKed (a NAK would make a running
   * client log in again); unattributable ones are dropped and counted.
   */
  #onSideChannel(nowMs: number, kind: HbpKind, socketIndex: number, address: string, port: number, repeaterId: number, bytes: Uint8Array): void {
    let session = this.#sessions.get(repeaterId);
    if (session === undefined || !session.endpoint.matches(socketIndex, address, port)) {
      session = this.#byEndpoint.get(socketIndex, address, port);
    }
    if (session === undefined || session.state !== SessionState.Connected) {
      this.counters.sideChannelUnattributed++;
      return;
    }
    session.lastHeardMs = nowMs;
    if (kind === HbpKind.Dmra) {
      if (decodeDmra(bytes, session.repeaterId, this.#dmra) !== DmraStatus.Ok) {
        this.counters.sideChannelMalformed++;
        return;
      }
      this.counters.talkerAlias++;
      session.lastTalkerAliasSourceId = this.#dmra.sourceId;
      // DMRGateway's 15-byte layout carries 3 of the 7 data bytes: not enough to rebuild an alias
      if (this.#dmra.dataLength === DMRA_DATA_BYTES) this.#router.onTalkerAlias?.(nowMs, session, this.#dmra.sourceId, this.#dmra.blockType, this.#dmra.data);
    } else {
      if (decodeDmrg(bytes, session.repeaterId, this.#dmrg) !== DmrgStatus.Ok) {
        this.counters.sideChannelMalformed++;
        return;
      }
      this.counters.gps++;
      session.lastGpsSourceId = this.#dmrg.sourceId;
    }
  }

  #classifyOrCount(bytes: Uint8Array, c: HbpClassification): HbpKind | 0 {
    const kind = classifyHbp(bytes, c);
    if (kind !== 0) return kind;
    switch (c.malformed) {
      case HbpMalformed.TooShort:
        this.counters.malformedTooShort++;
        break;
      case HbpMalformed.BadLength:
        this.counters.malformedBadLength++;
        break;
      default:
        this.counters.malformedUnknownTag++;
    }
    return 0;
  }

  /**
   * An RPTC of the wrong length from a hotspot whose login is in progress is explained to the
   * operator (session.refused "bad-config"; the event log rate-limits it): otherwise that hotspot
   * would retry forever with nothing in the log. Anything else malformed stays a counter.
   */
  #explainBadConfig(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    // "RPTC" + repeater id; "RPTCL" (a logout) has its own length and is never a bad RPTC here
    if (bytes.length < 8 || bytes[0] !== 0x52 || bytes[1] !== 0x50 || bytes[2] !== 0x54 || bytes[3] !== 0x43) return;
    const session = this.#sessions.get(readUint32(bytes, 4));
    if (session === undefined || session.state === SessionState.Connected || !session.endpoint.matches(socketIndex, address, port)) return;
    this.#refusals.report(nowMs, loginPrefix(session.endpoint.address), "bad-config", session.repeaterId, session.endpoint.address, session.endpoint.port);
  }

  #onDmrd(nowMs: number, session: HbpSession, bytes: Uint8Array): void {
    if (session.state !== SessionState.Connected) return this.#wrongState(session);
    const frame = this.#frame;
    if (decodeDmrd(bytes, frame) !== DmrdStatus.Ok) {
      this.counters.malformedDmrd++;
      return;
    }
    if (frame.length === 55) this.counters.dmrdIn++;
    else this.counters.dmrdShortIn++;
    session.countFrameIn();
    this.#router.onFrame(nowMs, session, frame);
  }

  /** A packet naming a live id from another address: spoofed, a NAT rebinding, or a second station. */
  #onForeignAddress(nowMs: number, session: HbpSession, kind: HbpKind, socketIndex: number, address: string, port: number): void {
    this.counters.spoofed++;
    const replaced = session.replacedEndpoint;
    if (replaced !== null && replaced.matches(socketIndex, address, port) && kind !== HbpKind.Rptcl) {
      this.#reportConflict(nowMs, session, replaced);
    }
    // Control messages get a NAK so a client whose NAT mapping moved logs in again at once; the NAK
    // goes to the sender, never to the live session. Frames and RPTCL are dropped silently.
    if (kind === HbpKind.Rptping || kind === HbpKind.Rptc || kind === HbpKind.Rpto) {
      this.#nak(socketIndex, address, port, session.repeaterId);
    }
  }

  #wrongState(session: HbpSession): void {
    this.counters.wrongState++;
    this.#reply(this.#replies.nak, session.endpoint, session.repeaterId);
  }

  // ---------------------------------------------------------------------------------------------
  // Login

  #onRptl(nowMs: number, socketIndex: number, address: string, port: number, repeaterId: number): void {
    this.counters.loginsRequested++;
    const live = this.#sessions.get(repeaterId);
    const prefix = loginPrefix(address);
    if (this.#blocked(nowMs, live, prefix, repeaterId, address, port)) return;
    if (repeaterId === 0) {
      this.counters.refusedInvalidId++;
      return this.#refuseLogin(nowMs, prefix, socketIndex, address, port, repeaterId, "invalid-id");
    }
    if (!aclPermits(this.options.registrationAcl, repeaterId)) {
      this.counters.refusedAcl++;
      return this.#refuseLogin(nowMs, prefix, socketIndex, address, port, repeaterId, "acl");
    }
    const verdict = this.#rules.atLogin(repeaterId);
    if (verdict.denied !== null || verdict.passphrases.length === 0) {
      this.counters.refusedAccessRule++;
      return this.#refuseLogin(nowMs, prefix, socketIndex, address, port, repeaterId, "access-rule");
    }
    if (live === undefined && this.#sessions.size >= this.options.maxPeers) {
      // The server is full: not the peer's fault, so it does not count towards a ban.
      this.counters.refusedMaxPeers++;
      this.#refuse(nowMs, prefix, socketIndex, address, port, repeaterId, "max-peers");
      return;
    }
    // No state: the salt is a cookie for (id, endpoint, time window), recomputed at RPTK. A repeated
    // RPTL within the window gets the same salt (the client may have missed it).
    this.#guard.onRptl(nowMs, prefix);
    const salt = this.#cookie.salt(SaltCookie.window(nowMs), repeaterId, socketIndex, address, port);
    this.#reply(this.#replies.ack, null, salt, socketIndex, address, port);
  }

  #onRptk(nowMs: number, socketIndex: number, address: string, port: number, repeaterId: number, bytes: Uint8Array): void {
    const live = this.#sessions.get(repeaterId);
    const digest = rptkDigest(bytes);
    const fromLive = live !== undefined && live.endpoint.matches(socketIndex, address, port);
    // Our RPTACK to its RPTK may have been lost: the client repeats the same RPTK (§1.6).
    if (fromLive && live.state === SessionState.Authenticated && constantTimeEqual(live.digest, digest)) {
      live.lastHeardMs = nowMs;
      this.#reply(this.#replies.ack, live.endpoint, repeaterId);
      return;
    }
    const prefix = loginPrefix(address);
    if (this.#blocked(nowMs, live, prefix, repeaterId, address, port)) return;
    this.#guard.onRptk(nowMs, prefix);
    const verdict = this.#rules.atLogin(repeaterId);
    // The salt we would have sent this endpoint in this window or the previous one (salt_cookie.ts).
    const window = SaltCookie.window(nowMs);
    let proven: Uint8Array | null = null;
    let salt = 0;
    for (let w = window; w >= window - 1 && proven === null; w--) {
      const candidateSalt = this.#cookie.salt(w, repeaterId, socketIndex, address, port);
      for (const candidate of verdict.passphrases) {
        const passphrase = candidate ?? this.#globalPassphrase;
        if (proven === null && verifyLogin(candidateSalt, passphrase, digest)) {
          proven = passphrase;
          salt = candidateSalt;
        }
      }
    }
    if (proven === null || verdict.denied !== null) {
      this.counters.badPassphrase++;
      return this.#refuseLogin(nowMs, prefix, socketIndex, address, port, repeaterId, verdict.denied !== null ? "access-rule" : "bad-passphrase");
    }
    if (live === undefined && this.#sessions.size >= this.options.maxPeers) {
      this.counters.refusedMaxPeers++;
      this.#refuse(nowMs, prefix, socketIndex, address, port, repeaterId, "max-peers");
      return;
    }
    const open = this.#handshakes.get(prefix) ?? 0;
    if (open >= HANDSHAKES_PER_PREFIX_MAX && this.#sessions.size * 2 >= this.options.maxPeers) {
      this.counters.refusedPendingFull++;
      this.#refuse(nowMs, prefix, socketIndex, address, port, repeaterId, "handshake-limit");
      return;
    }
    this.#handshakes.set(prefix, open + 1);
    const session = this.#sessionRecords.take(repeaterId, socketIndex, address, port, salt, new Uint8Array(digest), proven, nowMs);
    if (live !== undefined) this.#replace(nowMs, live, session);
    this.#sessions.set(repeaterId, session);
    this.#byEndpoint.set(socketIndex, address, port, session);
    this.counters.loginsAuthenticated++;
    this.#reply(this.#replies.ack, session.endpoint, session.repeaterId);
  }

  /**
   * Is this id ignored from this prefix (banned prefix, id failed there)? Dropped unanswered and
   * reported. A live session re-logging in from its own prefix is never blocked.
   */
  #blocked(nowMs: number, live: HbpSession | undefined, prefix: string, repeaterId: number, address: string, port: number): boolean {
    if (!this.#guard.isBlocked(nowMs, prefix, repeaterId)) return false;
    if (live !== undefined && loginPrefix(live.endpoint.address) === prefix) return false;
    this.counters.rateLimited++;
    this.#refusals.report(nowMs, prefix, "banned", repeaterId, address, port);
    return true;
  }

  /** Refuse a login for the peer's own reasons (bad id, ACL, rule, passphrase): MSTNAK, event, and it counts towards a ban. */
  #refuseLogin(nowMs: number, prefix: string, socketIndex: number, address: string, port: number, repeaterId: number, reason: RefusalReason): void {
    this.#refuse(nowMs, prefix, socketIndex, address, port, repeaterId, reason);
    this.#loginFailed(nowMs, prefix, repeaterId);
  }

  #loginFailed(nowMs: number, prefix: string, repeaterId: number): void {
    this.#guard.onFailure(nowMs, prefix, repeaterId);
  }

  /**
   * One `rate-limited` refusal per ban that started (by a failure, or by unanswered handshakes
   * found overdue): the address is the banned prefix, the id and port those of the login that
   * tipped it over (0 when housekeeping found it).
   */
  #reportNewBans(nowMs: number, repeaterId: number, port: number): void {
    const banned = this.#guard.takeNewBans();
    if (banned === null) return;
    for (const prefix of banned) this.#refusals.report(nowMs, prefix, "rate-limited", repeaterId, prefix, port);
  }

  /** A session leaves the RPTK→RPTC stage (connected or removed). */
  #handshakeDone(session: HbpSession): void {
    const prefix = loginPrefix(session.endpoint.address);
    const open = (this.#handshakes.get(prefix) ?? 0) - 1;
    if (open > 0) this.#handshakes.set(prefix, open);
    else this.#handshakes.delete(prefix);
  }

  #replace(nowMs: number, old: HbpSession, next: HbpSession): void {
    this.counters.replaced++;
    next.conflictReportedAtMs = old.conflictReportedAtMs;
    const sameEndpoint = old.endpoint.matches(next.endpoint.socketIndex, next.endpoint.address, next.endpoint.port);
    if (!sameEndpoint) {
      next.replacedEndpoint = old.endpoint;
      next.replacedAtMs = nowMs;
      // Flip-flop: the old session had itself replaced the address now logging in again.
      const previous = old.replacedEndpoint;
      if (previous !== null && previous.matches(next.endpoint.socketIndex, next.endpoint.address, next.endpoint.port) && nowMs - old.replacedAtMs < this.options.peerTimeoutMs * 2) {
        this.#reportConflict(nowMs, next, old.endpoint);
      }
    }
    this.#removeSession(nowMs, old, "replaced");
  }

  #reportConflict(nowMs: number, session: HbpSession, other: Endpoint): void {
    this.counters.conflicts++;
    if (nowMs - session.conflictReportedAtMs < CONFLICT_REPORT_INTERVAL_MS) return;
    session.conflictReportedAtMs = nowMs;
    this.#publish({
      type: "session.conflict",
      atMs: nowMs,
      repeaterId: session.repeaterId,
      oldAddress: endpointText(plainAddress(other.address), other.port),
      newAddress: endpointText(plainAddress(session.endpoint.address), session.endpoint.port),
    });
  }

  #onRptc(nowMs: number, session: HbpSession, bytes: Uint8Array): void {
    const parsed = parseRptc(bytes);
    if (!parsed.ok) {
      this.counters.malformedBadLength++;
      // explained (the event log rate-limits it per reason); the session waits for a readable RPTC
      this.#refusals.report(nowMs, loginPrefix(session.endpoint.address), "bad-config", session.repeaterId, session.endpoint.address, session.endpoint.port);
      return;
    }
    const config = this.#texts.config(parsed.config);
    if (session.state === SessionState.Connected) {
      // The client repeats RPTC when our RPTACK was lost; acknowledge again, keep the port as is.
      this.#reply(this.#replies.ack, session.endpoint, session.repeaterId);
      return;
    }
    const rule = this.#rules.atConfig(session.repeaterId, config.callsign);
    if (rule !== null && !rule.allow) {
      const byCallsign = rule.callsign !== null;
      if (byCallsign) this.counters.refusedCallsign++;
      else this.counters.refusedAccessRule++;
      this.#refuseSession(nowMs, session, byCallsign ? "callsign-denied" : "access-rule", config.callsign);
      return;
    }
    if (this.#loginCheck !== null) {
      const refusal = this.#loginCheck(session.repeaterId, config.callsign);
      if (refusal !== null) {
        this.counters.refusedCallsign++;
        this.#refuseSession(nowMs, session, refusal, config.callsign);
        return;
      }
    }
    const passphrase = rule?.passphrase ?? this.#globalPassphrase;
    // Usually the passphrase proven at RPTK is the deciding rule's: no second hash needed.
    if (passphrase !== session.provenPassphrase && !verifyLogin(session.salt, passphrase, session.digest)) {
      this.counters.badPassphrase++;
      this.#refuseSession(nowMs, session, "bad-passphrase", config.callsign);
      return;
    }
    this.#connect(nowMs, session, config, rule);
  }

  /**
   * Take over a session the cluster holds for exactly this (id, address, port) (session_adoption.ts):
   * the adopter offers a record, our own rules must admit it as they would a login, and the session
   * comes up Connected (router port up, options re-applied, session.up with `adopted`). The
   * datagram that asked is then handled as from a connected peer (MSTPONG, frame routed, RPTO
   * acknowledged). Undefined when nothing may be adopted, ADOPTION_REFUSED when a record was
   * offered and our rules refused it (the caller NAKs both; only the first may be held).
   */
  #adopt(nowMs: number, socketIndex: number, address: string, port: number, repeaterId: number): HbpSession | typeof ADOPTION_REFUSED | undefined {
    let offer: AdoptableSession | null;
    try {
      offer = this.#adopter!(nowMs, repeaterId, socketIndex, address, port);
    } catch {
      this.counters.handlerErrors++;
      return undefined;
    }
    if (offer === null) return undefined;
    const refusal = this.#adoptionRefusal(nowMs, offer, repeaterId, address);
    if (refusal !== 0) {
      this.counters.adoptionsRefused++;
      return ADOPTION_REFUSED;
    }
    const rule = this.#rules.atConfig(repeaterId, offer.config.callsign);
    const passphrase = rule?.passphrase ?? this.#globalPassphrase;
    const session = this.#sessionRecords.take(repeaterId, socketIndex, address, port, 0, NO_LOGIN_DIGEST, passphrase, nowMs);
    session.options = offer.options;
    this.#sessions.set(repeaterId, session);
    this.#byEndpoint.set(socketIndex, address, port, session);
    this.counters.adoptions++;
    this.#connect(nowMs, session, this.#texts.config({ ...offer.config }), rule, true);
    return session;
  }

  /** 0 when our rules admit the offered record as they would its login, else why not. */
  #adoptionRefusal(nowMs: number, offer: AdoptableSession, repeaterId: number, address: string): AdoptionRefusal | 0 {
    if (offer.repeaterId !== repeaterId || offer.config.repeaterId !== repeaterId || repeaterId === 0) return AdoptionRefusal.WrongId;
    if (!aclPermits(this.options.registrationAcl, repeaterId)) return AdoptionRefusal.Denied;
    const verdict = this.#rules.atLogin(repeaterId);
    if (verdict.denied !== null || verdict.passphrases.length === 0) return AdoptionRefusal.Denied;
    const rule = this.#rules.atConfig(repeaterId, offer.config.callsign);
    if (rule !== null && !rule.allow) return AdoptionRefusal.Denied;
    if ((rule?.name ?? null) !== offer.accessRule) return AdoptionRefusal.OtherRule;
    if (this.#loginCheck !== null && this.#loginCheck(repeaterId, offer.config.callsign) !== null) return AdoptionRefusal.Denied;
    if (this.#sessions.size >= this.options.maxPeers) return AdoptionRefusal.Full;
    if (this.#guard.isBlocked(nowMs, loginPrefix(address), repeaterId)) return AdoptionRefusal.Banned;
    return 0;
  }

  #connect(nowMs: number, session: HbpSession, config: NonNullable<HbpSession["config"]>, rule: CompiledRule | null, adopted = false): void {
    config.callsign = flatText(config.callsign); // unique per hotspot: not the padded field text it was cut from
    if (!adopted) this.#handshakeDone(session);
    session.state = SessionState.Connected;
    session.forgetLogin(); // the salt, digest and passphrase were only needed until RPTC
    session.portIndex = this.#portIndexes.acquire();
    session.configure(config); // kept in the master's columns by port index, but the callsign (session_columns.ts)
    session.accessRule = rule?.name ?? null; // in the same row
    session.connectedAtMs = nowMs;
    this.#connected++;
    if (!adopted) {
      this.counters.loginsConnected++;
      this.#reply(this.#replies.ack, session.endpoint, session.repeaterId);
    }
    this.#router.onPortUp(nowMs, session);
    if (session.options !== null) this.#router.onOptions(nowMs, session, session.options);
    const up: CoreEvent = {
      type: "session.up",
      atMs: nowMs,
      repeaterId: session.repeaterId,
      callsign: session.callsign,
      address: plainAddress(session.endpoint.address),
      port: session.endpoint.port,
      portIndex: session.portIndex,
    };
    if (adopted) up.adopted = true;
    this.#publish(up);
  }

  #onRpto(nowMs: number, session: HbpSession, bytes: Uint8Array): void {
    this.counters.options++;
    const raw = fieldText(bytes, RPTO_HEADER_LENGTH, bytes.length - RPTO_HEADER_LENGTH);
    // many hotspots send the same options (a club's talkgroups, an image's defaults): one shared
    // copy each, like the RPTC texts; never one carrying a KEY= secret (kept only by its session)
    const text = carriesOptionKey(raw) ? raw : this.#texts.text(raw);
    session.options = text;
    this.#reply(this.#replies.ack, session.endpoint, session.repeaterId);
    if (session.state === SessionState.Connected) this.#router.onOptions(nowMs, session, text);
  }

  // ---------------------------------------------------------------------------------------------
  // Removal, refusals, housekeeping

  #removeSession(nowMs: number, session: HbpSession, reason: SessionDownReason): void {
    if (this.#sessions.get(session.repeaterId) === session) this.#sessions.delete(session.repeaterId);
    this.#byEndpoint.deleteIf(session.socketIndex, session.address, session.port, session);
    if (session.state !== SessionState.Connected) {
      if (session.state === SessionState.Authenticated) this.#handshakeDone(session);
      session.state = SessionState.Removed;
      return;
    }
    session.state = SessionState.Removed;
    this.#connected--;
    this.#router.onPortDown(nowMs, session);
    const portIndex = session.portIndex;
    this.#portIndexes.release(portIndex);
    this.#publish({ type: "session.down", atMs: nowMs, repeaterId: session.repeaterId, callsign: session.callsign, reason, portIndex });
    session.portIndex = -1;
  }

  /** Refuse a login attempt that has no session: MSTNAK + event. */
  #refuse(nowMs: number, prefix: string, socketIndex: number, address: string, port: number, repeaterId: number, reason: RefusalReason): void {
    this.#nak(socketIndex, address, port, repeaterId);
    this.#refusals.report(nowMs, prefix, reason, repeaterId, address, port);
  }

  /** Refuse a half-registered session (at RPTC): MSTNAK, remove it entirely, event. */
  #refuseSession(nowMs: number, session: HbpSession, reason: RefusalReason, callsign: string): void {
    this.#reply(this.#replies.nak, session.endpoint, session.repeaterId);
    this.#removeSession(nowMs, session, "denied");
    this.#refusals.report(nowMs, loginPrefix(session.endpoint.address), reason, session.repeaterId, session.endpoint.address, session.endpoint.port, callsign);
  }

  #nak(socketIndex: number, address: string, port: number, repeaterId: number): void {
    this.#reply(this.#replies.nak, null, repeaterId, socketIndex, address, port);
  }

  /**
   * Queue a fixed reply stamped with `value` (id or salt) to `endpoint`, or to a new Endpoint for
   * (socketIndex, address, port) when there is no session. False (counted) when the outbox or the
   * reply pool is full.
   */
  #reply(ring: ReplyPool["ack"], endpoint: Endpoint | null, value: number, socketIndex = 0, address = "", port = 0): boolean {
    const buffer = ring.take(this.#outbox, value);
    if (buffer === null) {
      this.counters.repliesDropped++;
      return false;
    }
    return this.#outbox.push(endpoint ?? new Endpoint(socketIndex, address, port), buffer, buffer.length);
  }

  /** One housekeeping pass; false when timed-out sessions remain for the next pass. */
  #sweep(nowMs: number): boolean {
    const timeoutMs = this.options.peerTimeoutMs;
    let removed = 0;
    let finished = true;
    // every second over every session: by slot, not through values() (a generator: an iterator
    // result per session, and code the JIT threw away and compiled again every few minutes)
    const sessions = this.#sessions;
    for (let slot = 0; slot < sessions.slots; slot++) {
      const session = sessions.at(slot);
      if (session === undefined || nowMs - session.lastHeardMs < timeoutMs) continue;
      if (removed === TIMEOUTS_PER_SWEEP_MAX) {
        finished = false;
        break;
      }
      removed++;
      this.counters.timeouts++;
      // Authenticated but never configured: an unanswered handshake (counts towards a ban).
      if (session.state === SessionState.Authenticated) {
        this.#loginFailed(nowMs, loginPrefix(session.endpoint.address), session.repeaterId);
      }
      // A client that is still there but lost its pings learns to log in again (§1.6).
      this.#reply(this.#replies.nak, session.endpoint, session.repeaterId);
      this.#removeSession(nowMs, session, "timeout");
    }
    if (nowMs - this.#lastRateSweepMs >= RATE_SWEEP_INTERVAL_MS) {
      this.#lastRateSweepMs = nowMs;
      this.#guard.sweep(nowMs);
    }
    this.#reportNewBans(nowMs, 0, 0);
    return finished;
  }

  #publish(event: CoreEvent): void {
    try {
      this.#events.publish(event);
    } catch {
      // An event sink must never break the packet path.
    }
  }
}

/** A salt key from the injected PRNG (tests, embedders that pass no secret): reproducible, not secret. */
function secretFrom(prng: Prng): Uint8Array {
  const secret = new Uint8Array(SALT_SECRET_BYTES);
  for (let i = 0; i < secret.length; i += 4) {
    const word = prng.nextUint32();
    secret[i] = word >>> 24;
    secret[i + 1] = (word >>> 16) & 0xff;
    secret[i + 2] = (word >>> 8) & 0xff;
    secret[i + 3] = word & 0xff;
  }
  return secret;
}

function endpointText(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
