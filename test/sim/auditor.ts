/**
 * The independent model of the routing rules (style-anchors.md §4 "auditor"). It never calls the
 * router: it is told what the workload did (ports up/down, options, frames that reached the router)
 * and what the router delivered, and checks the invariants of the routing issue:
 *
 *   justified   every delivery is justified by a subscription or rule in force at the stream's start
 *               (or at the start of its delivery to that slot): static TG (config rule or RPTO),
 *               user-activated TG (not expired), dial-a-TG link (not expired), bridge member (ON/OFF/
 *               RESET triggers and timers), parrot, subscriber map
 *   no echo     a frame never goes back to the session it came from (parrot playback excepted)
 *   no dup      a frame never goes twice to the same (session, slot)
 *   one stream  at most one stream per (session, slot) at a time; a session transmitting on its
 *               own slot wins over traffic to that slot, for as long as it transmits (past the
 *               maximum duration, and when its own call is refused)
 *   hang time   after a group call on a slot, only the same TG (or the same radio) may take it
 *               until the hang time has passed
 *   tail        a group call refused at a slot while another call held it takes the slot only
 *               once that call's last frame there is a stream timeout old (no glued tails)
 *   simplex     simplex hotspots are delivered to on TS2 only
 *   integrity   source ids never change, call type never changes, AMBE bits and data blocks
 *               arrive untouched, no stream runs past the maximum duration
 *   parrot      a playback has voice in it (no empty playbacks)
 *   liveness    (finish) a clean call reaches every target that was quiet and statically
 *               subscribed / linked / last heard, the parrot plays back; every probe call of the
 *               final phase reaches every target that was surely subscribed for its whole length
 *
 * Two bounds of every subscription: the MAY bound (generous: a larger set of allowed deliveries,
 * never guessing a tie-break) judges deliveries; the SURE bound (strict: only where the rules leave
 * no doubt, e.g. not within the housekeeping slack of a timer) decides where the router must still
 * be delivering (a slot held by a call in progress, a probe that must arrive). Where the issue is
 * ambiguous the model is generous; the comments say where.
 * @module
 */
import { aclPermits } from "../../src/core/acl.ts";
import { inRanges, type AccessRuleRouting, type BridgeMemberOptions, type RoutingOptions } from "../../src/core/routing/options.ts";
import { CallType, DataType, DmrdFrame, DmrdStatus, FrameType, decodeDmrd } from "../../src/wire/dmrd.ts";
import { SimFrameKind, ambePrefixMatches, payloadMatchesTag, readTag } from "./frames.ts";
import { parseModelOptions, type ModelOptions } from "./options_model.ts";
import type { CallPlan, SessionSpec } from "./world.ts";

export interface Violation {
  readonly kind: string;
  readonly atMs: number;
  readonly detail: string;
}

const INF = Number.POSITIVE_INFINITY;
/** onTick runs every 20–50 ms in the simulation: timers may fire that much late. */
const TICK_SLACK_MS = 100;
/** Timers in minutes are looked at by a housekeeping pass every 500 ms (plus the tick spacing). */
const TIMER_SLACK_MS = 700;

interface Interval {
  from: number;
  to: number;
}

interface StaticInterval extends Interval {
  slot: 1 | 2;
  talkgroupId: number;
  /** the SURE end (≤ to): where the router's own rules could already have removed it */
  sureTo: number;
  fromOptions: boolean;
}

interface DynamicSub {
  slot: 1 | 2;
  talkgroupId: number;
  from: number;
  lastUse: number;
  forcedEnd: number;
  /** SURE interval: from the keying that surely (re)started its timer until that timer can run out */
  sureFrom: number;
  sureUntil: number;
}

interface LinkInterval extends Interval {
  reflector: number;
  /** the default reflector (options DIAL= or the access rule) rather than a dialled one */
  isDefault: boolean;
  /** a dialled link runs out after the UA timer, renewed by the session's TG 9 traffic */
  expires: boolean;
  lastUse: number;
}

/** What changes a session's dial-a-TG link (replayed for the SURE bound, freedmr-reference.md §1.6). */
interface DialEvent {
  t: number;
  kind: "up" | "options" | "dial" | "unlink" | "use" | "down";
  /** up: the rule's default; options: DIAL= (null = not given); dial: the reflector */
  n: number | null;
  /** the UA timer in force at t (INF = never) */
  timerMs: number;
  /** use: the TG 9 call (it may renew the link at expiry while it lasts) */
  call: CallState | null;
}

interface Owner {
  key: number;
  callId: number;
  parrot: boolean;
  /** the destination it is delivered as, and since when (it changes when the subscription that
   * claimed the slot ends and another one of the slot takes over, e.g. TG 9 → a static TG N) */
  destinationId: number;
  destinationFirstT: number;
  /** when it was last checked to be still justified (a subscription that ends stops the delivery) */
  stillCheckedT: number;
  firstT: number;
  lastT: number;
  terminatorDelivered: boolean;
}

interface Activity {
  group: boolean;
  talkgroupId: number;
  sourceId: number;
  endT: number;
}

interface Segment {
  key: number;
  first: number;
  last: number;
}

/**
 * A bridge member's ACTIVE state at one session login (rules.py ON/OFF/RESET, TIMEOUT/TO_TYPE,
 * freedmr-reference.md §1.8): triggers act at a call's start (exact), timers fire within
 * TIMER_SLACK_MS after they run out (unknown in between).
 */
class MemberModel {
  readonly segments: { from: number; to: number; state: number }[] = [];
  /** 1 active, 0 inactive, -1 unknown */
  state: number;
  from: number;
  pendingAt = INF;
  closed = false;

  constructor(
    readonly member: BridgeMemberOptions,
    t: number,
  ) {
    this.state = member.active ? 1 : 0;
    this.from = t;
    const m = member;
    if (m.timeoutMinutes > 0 && ((m.timeoutType === "on" && m.active) || (m.timeoutType === "off" && !m.active))) this.pendingAt = t + m.timeoutMinutes * 60_000;
  }

  /** Apply the timers that surely fired before t. */
  advance(t: number): void {
    while (!this.closed && this.pendingAt < INF && t > this.pendingAt + TIMER_SLACK_MS) {
      const at = this.pendingAt;
      this.#close(at);
      this.segments.push({ from: at, to: at + TIMER_SLACK_MS, state: -1 });
      this.state = this.state === 1 ? 0 : this.state === 0 ? 1 : -1;
      this.from = at + TIMER_SLACK_MS;
      this.pendingAt = INF;
    }
  }

  /** A group call from the member's session and slot starts at t. */
  trigger(t: number, tg: number): void {
    this.#settle(t);
    const m = this.member;
    const timeout = m.timeoutMinutes * 60_000;
    if (m.on.includes(tg)) {
      this.#set(t, 1);
      if (m.timeoutType === "on" && timeout > 0) this.pendingAt = t + timeout;
      else if (m.timeoutType === "off") this.pendingAt = INF;
    } else if (m.off.includes(tg)) {
      this.#set(t, 0);
      if (m.timeoutType === "off" && timeout > 0) this.pendingAt = t + timeout;
      else if (m.timeoutType === "on") this.pendingAt = INF;
    } else if (m.reset.includes(tg)) {
      if (timeout > 0 && ((m.timeoutType === "on" && this.state === 1) || (m.timeoutType === "off" && this.state === 0))) this.pendingAt = t + timeout;
    }
    // a call through an active member restarts its ON timer
    if (this.state === 1 && m.talkgroupId === tg && m.timeoutType === "on" && timeout > 0) this.pendingAt = t + timeout;
  }

  down(t: number): void {
    this.#settle(t);
    this.#close(t);
    this.closed = true;
  }

  /** MAY bound: possibly active at t. */
  maybe(t: number): boolean {
    for (const s of this.segments) if (s.from <= t && t < s.to) return s.state !== 0;
    if (t < this.from || this.closed) return false;
    if (t >= this.pendingAt) return true;
    return this.state !== 0;
  }

  /** SURE bound: active all through [from, to]. */
  sure(from: number, to: number): boolean {
    for (const s of this.segments) if (s.from <= from && to < s.to) return s.state === 1;
    return !this.closed && this.state === 1 && this.from <= from && to < this.pendingAt;
  }

  #settle(t: number): void {
    this.advance(t);
    if (this.pendingAt < INF && t > this.pendingAt) {
      // inside a timer's slack: whether it fired is unknown
      this.#close(this.pendingAt);
      this.state = -1;
      this.from = this.pendingAt;
      this.pendingAt = INF;
    }
  }

  #set(t: number, state: number): void {
    if (state === this.state) return;
    this.#close(t);
    this.state = state;
    this.from = t;
  }

  #close(to: number): void {
    if (to > this.from) this.segments.push({ from: this.from, to, state: this.state });
    this.from = to;
  }
}

class SessionState {
  up = false;
  incarnation = -1;
  portIndex = -1;
  upIntervals: Interval[] = [];
  options: ModelOptions = parseModelOptions("");
  optionsKey: string | null = null;
  /** options values that persist across RPTOs of one login until given again (TIMER, SINGLE, DIAL) */
  lastTimerMinutes: number | null = null;
  lastSingle: boolean | null = null;
  lastDial: number | null = null;
  optionsChanges: number[] = [];
  statics: StaticInterval[] = [];
  dynamic: DynamicSub[] = [];
  links: LinkInterval[] = [];
  dialEvents: DialEvent[] = [];
  /** bridge member models per login (incarnation), keyed "bridge:member" */
  members: Map<string, MemberModel>[] = [];
  /** slot 1/2 (index 0 unused) */
  owner: (Owner | null)[] = [null, null, null];
  activity: (Activity | null)[] = [null, null, null];
  segments: Segment[][] = [[], [], []];
  rfLastStart: number[] = [-INF, -INF, -INF];
  rfCalls: CallState[] = [];
  maxTimerMs = 0;
  constructor(readonly spec: SessionSpec) {}
}

class CallState {
  incarnation = -1;
  firstT = -1;
  /** its first frame that can open a stream at the router (-1: none yet) */
  startT = -1;
  lastT = -1;
  /** terminator (voice) or final data block (data) reached the router */
  endT = -1;
  dataHeaderT = -1;
  lastSeq = -1;
  downT = INF;
  ingressFrames = 0;
  duplicates = 0;
  maxGapMs = 0;
  burstTags = new Set<number>();
  blockTags = new Set<number>();
  headerSeqs = new Set<number>();
  terminators = 0;
  csbks = 0;
  dataHeaders = 0;
  expectedBlocks = 0;
  blocksSeen = 0;
  aclDenied = false;
  /** a header was accepted (later ones are duplicates at the router) */
  headerProcessed = false;
  /** stream id of its latest accepted header or burst (-1: none) */
  currentStreamId = -1;
  /** SINGLE mode of its session when it started (the router applies it at a stream's start) */
  singleAtStart = false;
  /** deliveries of this call (forward or playback), per target "session|incarnation|slot" */
  delivered = new Map<string, { tags: Set<number>; terminator: boolean; first: number }>();
  constructor(readonly plan: CallPlan) {}
}

/** Seen by the auditor for every frame handed to router.onFrame. */
export interface IngressInfo {
  readonly callId: number;
  readonly kind: SimFrameKind;
  readonly tag: number;
  readonly sequence: number;
  readonly streamId: number;
  /** last data block of a data call */
  readonly finalBlock: boolean;
  /** blocks to follow announced by a data header */
  readonly blocksToFollow: number;
  readonly duplicate: boolean;
}

interface PendingDelivery {
  t: number;
  portIndex: number;
  incarnation: number;
  session: number;
  bytes: Uint8Array;
}

export class RoutingAuditor {
  readonly violations: Violation[] = [];
  readonly counts = new Map<string, number>();
  deliveries = 0;
  ingress = 0;
  livenessChecked = 0;
  /** probe calls checked and (target, slot) pairs they had to reach */
  probesChecked = 0;
  probeTargets = 0;
  private readonly sessions: SessionState[];
  private readonly calls = new Map<number, CallState>();
  private readonly callsByRadio = new Map<number, CallState[]>();
  private readonly tagToCall = new Map<number, number>();
  private readonly radioHome = new Map<number, { session: number; slot: 1 | 2 }>();
  private readonly lastHeard = new Map<number, number>();
  /** slots each radio has been heard on (a radio uses its home slot, and TS2 for TG 9) */
  private readonly heardSlots = new Map<number, Set<number>>();
  private readonly portToSession = new Map<number, number>();
  private readonly frame = new DmrdFrame();
  private readonly scratch = new Uint8Array(55);
  private readonly dupTags = new Set<string>();
  private readonly lcCounts = new Map<string, number>();
  private readonly justifiedCache = new Map<string, string | null>();
  /** parrot playback stream id → the call it plays back (learnt from its first voice burst) */
  private readonly parrotStreams = new Map<number, number>();
  /** headers/terminators of playbacks whose voice has not been seen yet, by playback stream id */
  private readonly pendingParrot = new Map<number, PendingDelivery[]>();
  private now = 0;
  /** Debugging: called for every delivery to the session with this repeater id. */
  trace: { repeaterId: number; line: (text: string) => void } | null = null;

  constructor(
    readonly options: RoutingOptions,
    sessions: readonly SessionSpec[],
    private readonly maxDetailed = 25,
  ) {
    this.sessions = sessions.map((s) => new SessionState(s));
    for (const s of sessions) for (const r of s.radios) this.radioHome.set(r.radioId, { session: s.index, slot: r.slot });
  }

  // ---------------------------------------------------------------------------------------------
  // inputs

  portUp(t: number, session: number, incarnation: number, portIndex: number): void {
    this.now = t;
    const s = this.sessions[session]!;
    s.up = true;
    s.incarnation = incarnation;
    s.portIndex = portIndex;
    s.upIntervals.push({ from: t, to: INF });
    s.owner = [null, null, null];
    // A new login is a new port: no hang time or slot state carries over.
    s.activity = [null, null, null];
    s.lastTimerMinutes = null;
    s.lastSingle = null;
    s.lastDial = null;
    this.portToSession.set(portIndex, session);
    const rule = this.ruleOf(s);
    for (const tg of rule.ts1Static) s.statics.push({ slot: 1, talkgroupId: tg, from: t, to: INF, sureTo: INF, fromOptions: false });
    for (const tg of rule.ts2Static) s.statics.push({ slot: 2, talkgroupId: tg, from: t, to: INF, sureTo: INF, fromOptions: false });
    if (rule.defaultReflector !== 0) s.links.push({ reflector: rule.defaultReflector, from: t, to: INF, isDefault: true, expires: false, lastUse: t });
    s.options = parseModelOptions("");
    s.maxTimerMs = Math.max(s.maxTimerMs, this.timerMs(s));
    s.dialEvents.push({ t, kind: "up", n: rule.defaultReflector, timerMs: this.timerMs(s), call: null });
    const members = new Map<string, MemberModel>();
    this.options.bridges.forEach((b, bi) =>
      b.members.forEach((m, mi) => {
        if (this.memberMatches(m.system, s)) members.set(`${bi}:${mi}`, new MemberModel(m, t));
      }),
    );
    s.members[incarnation] = members;
  }

  portDown(t: number, session: number): void {
    this.now = t;
    const s = this.sessions[session]!;
    if (!s.up) return;
    s.up = false;
    this.portToSession.delete(s.portIndex);
    const close = (i: Interval) => {
      if (i.to > t) i.to = t;
    };
    s.upIntervals.forEach(close);
    s.statics.forEach(close);
    for (const st of s.statics) if (st.sureTo > t) st.sureTo = t;
    s.links.forEach(close);
    for (const d of s.dynamic) {
      if (d.forcedEnd > t) d.forcedEnd = t;
      if (d.sureUntil > t) d.sureUntil = t;
    }
    for (const slot of [1, 2] as const) this.closeOwner(s, slot);
    for (const c of s.rfCalls) if (c.downT > t) c.downT = t;
    s.options = parseModelOptions("");
    s.dialEvents.push({ t, kind: "down", n: null, timerMs: INF, call: null });
    for (const m of s.members[s.incarnation]?.values() ?? []) m.down(t);
  }

  /** RPTO text sent by the session (already up). */
  optionsSent(t: number, session: number, text: string): void {
    this.now = t;
    const s = this.sessions[session]!;
    const rule = this.ruleOf(s);
    if (!rule.allowOptions) return;
    const parsed = parseModelOptions(text);
    // KEY (freedmr-reference.md §1.9): the first options carrying KEY set it; later options
    // without it or with another key are ignored.
    if (s.optionsKey !== null && parsed.key !== s.optionsKey) return;
    if (s.optionsKey === null && parsed.key !== null) s.optionsKey = parsed.key;
    s.optionsChanges.push(t);
    // the old option statics end now, the new ones start now
    // Generous: a slot the new options do not mention may keep its old statics.
    for (const st of s.statics) {
      const given = st.slot === 1 ? parsed.ts1Given : parsed.ts2Given;
      if (st.to > t && given && st.fromOptions) st.to = t;
      if (st.sureTo > st.to) st.sureTo = st.to;
      // a simplex hotspot has one RF slot: a list for either slot may replace both (sure: it ends)
      if (s.spec.simplex && st.fromOptions && (parsed.ts1Given || parsed.ts2Given) && st.sureTo > t) st.sureTo = t;
    }
    // Sure: options may replace a user-activated TG by a static one of the same number.
    for (const d of s.dynamic) if (d.sureUntil > t) d.sureUntil = t;
    if (parsed.dial !== null) for (const l of s.links) if (l.isDefault && l.to > t && (l as LinkInterval & { fromOptions?: boolean }).fromOptions) l.to = t;
    const prohibited = this.options.optionsProhibitedTalkgroups;
    for (const [slot, list] of [
      [1, parsed.ts1],
      [2, parsed.ts2],
    ] as const) {
      for (const tg of list) {
        if (inRanges(prohibited, tg)) continue;
        s.statics.push({ slot, talkgroupId: tg, from: t, to: INF, sureTo: INF, fromOptions: true });
      }
    }
    if (parsed.timerMinutes !== null) s.lastTimerMinutes = parsed.timerMinutes;
    if (parsed.single !== null) s.lastSingle = parsed.single;
    if (parsed.dial !== null && this.options.dial.enabled) {
      s.lastDial = parsed.dial;
      if (parsed.dial !== 0 && this.dialable(parsed.dial)) {
        const l: LinkInterval & { fromOptions?: boolean } = { reflector: parsed.dial, from: t, to: INF, isDefault: true, expires: false, lastUse: t, fromOptions: true };
        s.links.push(l);
      }
      // a dialled link to what is now the default never runs out
      for (const l of s.links) if (l.reflector === parsed.dial) l.expires = false;
    }
    s.options = parsed;
    s.maxTimerMs = Math.max(s.maxTimerMs, this.timerMs(s));
    s.dialEvents.push({ t, kind: "options", n: parsed.dial, timerMs: this.timerMs(s), call: null });
  }

  callPlanned(plan: CallPlan): void {
    const c = new CallState(plan);
    this.calls.set(plan.id, c);
    let list = this.callsByRadio.get(plan.radioId);
    if (list === undefined) this.callsByRadio.set(plan.radioId, (list = []));
    list.push(c);
  }

  registerTag(tag: number, callId: number): void {
    this.tagToCall.set(tag, callId);
  }

  /** A frame of call `info.callId` was handed to router.onFrame at `t`. */
  ingressFrame(t: number, info: IngressInfo): void {
    this.now = t;
    this.ingress++;
    const c = this.calls.get(info.callId)!;
    const p = c.plan;
    const s = this.sessions[p.session]!;
    if (c.firstT < 0) {
      c.firstT = t;
      c.incarnation = s.incarnation;
      c.aclDenied = this.aclDenied(c);
      c.singleAtStart = this.single(s);
      s.rfCalls.push(c);
      // Any transmission of the session takes its own slot (even refused ones).
      const slot = this.slotEff(s, p.slot);
      s.rfLastStart[slot] = t;
      this.closeOwner(s, slot);
    } else {
      c.maxGapMs = Math.max(c.maxGapMs, t - c.lastT);
    }
    // A lone terminator or data block opens no stream at the router (it is dropped and leaves no
    // trace): the call starts (dial, triggers, user activation, activity, its own slot) at its
    // first frame that can open one.
    const opens = info.kind !== SimFrameKind.Terminator && info.kind !== SimFrameKind.DataBlock;
    if (c.startT < 0 && !opens) {
      s.rfLastStart[this.slotEff(s, p.slot)] = t;
      c.ingressFrames++;
      if (info.duplicate) c.duplicates++;
      if (c.lastT < 0) c.lastT = t;
      return;
    }
    if (c.startT < 0) {
      c.startT = t;
      this.onCallStart(t, c, s);
    }
    // Duplicates and frames older than the last one are dropped by the router: they neither
    // extend the stream nor count as activity (generous: the shorter window).
    const delta = c.lastSeq < 0 ? 1 : (info.sequence - c.lastSeq) & 0xff;
    const accepted = !info.duplicate && delta >= 1 && delta < 128;
    if (accepted) c.lastSeq = info.sequence;
    // Frames the router surely processes (so they renew the slot's hang): the first header, voice,
    // data; not a repeated header (dropped as a duplicate), nor a terminator whose stream id is not
    // the one the call runs under now (DMR+: its header was lost, so it opens nothing).
    let processed = accepted;
    if (info.kind === SimFrameKind.Header) {
      processed = accepted && !c.headerProcessed;
      if (accepted) c.headerProcessed = true;
    }
    if (info.kind === SimFrameKind.Terminator) processed = accepted && info.streamId === c.currentStreamId;
    if (accepted && (info.kind === SimFrameKind.Header || info.kind === SimFrameKind.Burst)) c.currentStreamId = info.streamId;
    if (accepted || c.lastT < 0) c.lastT = t;
    // Any frame the session sends on its own slot may take it back (generous: even frames the
    // router drops, e.g. after a maximum-duration cut).
    s.rfLastStart[this.slotEff(s, p.slot)] = t;
    c.ingressFrames++;
    if (info.duplicate) c.duplicates++;
    this.lastHeard.set(p.radioId, t);
    let slots = this.heardSlots.get(p.radioId);
    if (slots === undefined) this.heardSlots.set(p.radioId, (slots = new Set()));
    slots.add(p.slot);
    switch (info.kind) {
      case SimFrameKind.Burst:
        c.burstTags.add(info.tag);
        break;
      case SimFrameKind.Header:
        c.headerSeqs.add(info.sequence);
        break;
      case SimFrameKind.Terminator:
        if (c.endT < 0) c.endT = t;
        c.terminators = 1;
        break;
      case SimFrameKind.Csbk:
        c.csbks++;
        break;
      case SimFrameKind.DataHeader:
        c.dataHeaders++;
        if (c.dataHeaderT < 0) c.dataHeaderT = t;
        c.expectedBlocks = info.blocksToFollow;
        break;
      case SimFrameKind.DataBlock:
        c.blockTags.add(info.tag);
        if (info.finalBlock && c.endT < 0) c.endT = t;
        break;
    }
    // RF activity for hang time. Generous: refused calls and unit calls leave no group hang.
    // A stream past the maximum duration is cut by the router: its later frames are no activity.
    // Frames after the terminator belong to a finished stream and are dropped: no activity either.
    if (processed && c.startT >= 0 && t <= c.firstT + this.options.maxStreamMs && (c.endT < 0 || t <= c.endT)) s.activity[this.slotEff(s, p.slot)] = { group: p.callType === "group" && p.kind === "voice" && this.isRoutedRf(c), talkgroupId: p.destinationId, sourceId: p.radioId, endT: t };
    // Keying up a TG subscribes the slot (user activation). Generous: group data keys it up too.
    if ((p.purpose === "group" || p.purpose === "groupData") && !c.aclDenied && this.options.userActivation) this.renewDynamic(t, s, p.slot, p.destinationId, c.firstT, c.singleAtStart);
    if ((p.purpose === "dial" || p.purpose === "unlink") && !c.aclDenied) {
      // the previous dialled link ends around the end of this call (generous: rolling)
      // (only links made before this call started: another radio of the session may dial meanwhile)
      for (const l of s.links) if (!l.isDefault && l.from < c.firstT && l.reflector !== (p.purpose === "dial" ? p.destinationId : -1) && l.to > t) l.to = t + this.options.streamTimeoutMs + 1000;
    }
    // TG 9 traffic renews the dialled link (MAY bound: until well after its last frame)
    if (p.purpose === "reflector" && !c.aclDenied && accepted) for (const l of s.links) if (l.lastUse < t && l.to > t) l.lastUse = t;
  }

  private onCallStart(t: number, c: CallState, s: SessionState): void {
    const p = c.plan;
    const o = this.options;
    if (c.aclDenied) return;
    // A dial from a radio the ACLs refuse changes nothing.
    if (p.purpose === "dial" && this.dialable(p.destinationId)) {
      // Generous: linked from the first frame of the dialling call.
      const neverExpires = p.destinationId === this.defaultReflector(s) || this.timerMs(s) === INF;
      s.links.push({ reflector: p.destinationId, from: t, to: INF, isDefault: false, expires: !neverExpires, lastUse: t });
      s.dialEvents.push({ t, kind: "dial", n: p.destinationId, timerMs: this.timerMs(s), call: c });
    }
    if (p.purpose === "unlink") s.dialEvents.push({ t, kind: "unlink", n: null, timerMs: this.timerMs(s), call: c });
    if (p.purpose === "reflector" && (p.slot === o.dial.slot || s.spec.simplex)) s.dialEvents.push({ t, kind: "use", n: null, timerMs: this.timerMs(s), call: c });
    if (p.callType === "group" && !(o.parrot.enabled && p.destinationId === o.parrot.talkgroupId)) {
      // bridge triggers act at the start of any group call from the member's system and slot
      const members = s.members[s.incarnation];
      if (members !== undefined) {
        for (const model of members.values()) {
          if (this.slotEff(s, model.member.slot) === this.slotEff(s, p.slot)) model.trigger(t, p.destinationId);
        }
      }
      if (p.purpose === "group" || p.purpose === "groupData") this.keyDynamicSure(t, s, p.slot, p.destinationId);
    }
  }

  /** SURE bound of user activation at a call's start: the keyed TG's timer restarts, others may go. */
  private keyDynamicSure(t: number, s: SessionState, slot: 1 | 2, tg: number): void {
    const o = this.options;
    if (!o.userActivation || inRanges(o.reservedTalkgroups, tg) || tg === o.dial.talkgroupId || tg === o.parrot.talkgroupId) return;
    const eff = this.slotEff(s, slot);
    const staticMay = s.statics.some((st) => st.talkgroupId === tg && this.slotEff(s, st.slot) === eff && st.from <= t && t < st.to);
    const staticSure = s.statics.some((st) => st.talkgroupId === tg && this.slotEff(s, st.slot) === eff && st.from <= t && t < st.sureTo);
    const others = s.dynamic.filter((d) => d.talkgroupId !== tg && this.slotEff(s, d.slot) === eff && t < this.dynamicEnd(s, d));
    // SINGLE, or too many on the slot: the others may be dropped now
    if ((this.single(s) && !staticSure) || others.length + 1 >= o.capacities.maxDynamicPerSlot) {
      for (const d of others) if (d.sureUntil > t) d.sureUntil = t;
    }
    if (staticMay) return; // the router keeps the static and adds nothing
    // only an entry nothing has scheduled to go: one a SINGLE-mode key of another TG already bounded
    // (forcedEnd) was dropped by the router then, and this key adds the TG afresh — extending the
    // old entry's SURE window would outlive its forced end, which the next SINGLE key (seeing the
    // old entry as already gone) would then never cut (seed 403437693)
    let d = s.dynamic.find((x) => x.talkgroupId === tg && x.slot === slot && x.forcedEnd === INF && t < this.dynamicEnd(s, x));
    if (d === undefined) {
      d = { slot, talkgroupId: tg, from: t, lastUse: t, forcedEnd: INF, sureFrom: t, sureUntil: t };
      s.dynamic.push(d);
    }
    const until = t + this.timerMs(s);
    if (d.sureFrom <= t && t < d.sureUntil) d.sureUntil = Math.max(d.sureUntil, until);
    else {
      d.sureFrom = t;
      d.sureUntil = until;
    }
  }

  /** The router pushed the same egress buffer twice before one drain: the first frame is lost. */
  egressBufferReused(t: number, portIndex: number): void {
    this.fail("buffer-reuse", t, `an egress buffer of port ${portIndex} was pushed twice before the outbox drained (a frame overwritten)`);
  }

  /** A datagram the router pushed for `portIndex`. */
  delivery(t: number, portIndex: number, incarnationOfPort: number, sessionOfPort: number, bytes: Uint8Array, length: number): void {
    this.now = t;
    this.deliveries++;
    const f = this.frame;
    if (length !== 55) return this.fail("format", t, `delivery of ${length} bytes to port ${portIndex} (must be 55)`);
    if (decodeDmrd(bytes.subarray(0, 55), f) !== DmrdStatus.Ok) return this.fail("format", t, `undecodable delivery to port ${portIndex}`);
    const session = this.portToSession.get(portIndex);
    if (session === undefined || session !== sessionOfPort) return this.fail("port-down", t, `delivery to port ${portIndex} which is not up`);
    const T = this.sessions[session]!;
    if (T.incarnation !== incarnationOfPort) return this.fail("port-down", t, `delivery to a stale port object of session ${session}`);
    // Parrot playback: its header comes before any voice names the recording it plays; hold the
    // headers/terminators of a playback stream until its first burst (or report an empty playback).
    const kind = simKindOf(f);
    const tagged = kind === SimFrameKind.Burst || kind === SimFrameKind.DataBlock;
    const o = this.options;
    if (o.parrot.enabled && f.destinationId === o.parrot.talkgroupId && this.radioHome.get(f.sourceId)?.session === T.spec.index) {
      if (!tagged && !this.parrotStreams.has(f.streamId)) {
        let list = this.pendingParrot.get(f.streamId);
        if (list === undefined) this.pendingParrot.set(f.streamId, (list = []));
        list.push({ t, portIndex, incarnation: incarnationOfPort, session: sessionOfPort, bytes: bytes.slice(0, 55) });
        return;
      }
      if (tagged && !this.parrotStreams.has(f.streamId)) {
        const id = this.tagToCall.get(readTag(f.bytes));
        if (id !== undefined) {
          this.parrotStreams.set(f.streamId, id);
          const held = this.pendingParrot.get(f.streamId);
          if (held !== undefined) {
            this.pendingParrot.delete(f.streamId);
            const keep = bytes.slice(0, 55);
            // judged late: the slot's state has moved on, so only what does not depend on the order
            for (const h of held) this.judge(h.t, h.bytes, T, true);
            decodeDmrd(keep, f);
          }
        }
      }
    }
    this.judge(t, f.bytes, T);
  }

  /**
   * Check one delivery to session T (decoded into `this.frame`). `late`: a held playback header or
   * terminator judged when its playback's first burst arrived; the slot's owner and hang state
   * have moved on since, so those checks are left to the burst.
   */
  private judge(t: number, bytes: Uint8Array, T: SessionState, late = false): void {
    const f = this.frame;
    decodeDmrd(bytes.subarray(0, 55), f);
    const slot = f.slot;
    const kind = simKindOf(f);
    // ---- attribute the frame to a call
    let c: CallState | undefined;
    const tagged = kind === SimFrameKind.Burst || kind === SimFrameKind.DataBlock;
    if (tagged) {
      const id = this.tagToCall.get(readTag(f.bytes));
      c = id === undefined ? undefined : this.calls.get(id);
      if (c === undefined) return this.fail("integrity", t, `${this.where(T, slot)}: frame with unknown payload tag ${readTag(f.bytes)} (payload altered or invented)`);
      if (c.plan.radioId !== f.sourceId) this.fail("integrity", t, `${this.where(T, slot)}: source ${f.sourceId} but the frame belongs to call ${c.plan.id} from ${c.plan.radioId}`);
    } else {
      const playback = this.parrotStreams.get(f.streamId);
      c = playback !== undefined && f.destinationId === this.options.parrot.talkgroupId ? this.calls.get(playback) : this.attributeLc(t, f.sourceId, f.destinationId, T);
      if (c === undefined) return this.fail("integrity", t, `${this.where(T, slot)}: ${kindName(kind)} from ${f.sourceId} to ${f.destinationId} matches no call`);
    }
    const p = c.plan;
    const S = this.sessions[p.session]!;
    const parrot = p.purpose === "parrot" && S === T;
    const key = parrot ? -p.id - 1 : p.id;
    const desc = `call ${p.id} (${p.purpose} ${p.callType} ${p.radioId}→${p.destinationId} from ${S.spec.repeaterId} TS${p.slot})`;
    // ---- integrity
    if ((f.callType === CallType.Unit) !== (p.callType === "unit")) this.fail("integrity", t, `${this.where(T, slot)}: call type changed for ${desc}`);
    if (kind === SimFrameKind.Burst && !ambePrefixMatches(f.bytes, readTag(f.bytes), this.scratch)) this.fail("integrity", t, `${this.where(T, slot)}: AMBE bits changed in ${desc}`);
    if (kind === SimFrameKind.DataBlock && !payloadMatchesTag(f.bytes, readTag(f.bytes))) this.fail("integrity", t, `${this.where(T, slot)}: data block changed in ${desc}`);
    // ---- no echo
    if (T === S && !parrot) return this.fail("echo", t, `${desc} delivered back to its own session on TS${slot}`);
    // ---- simplex targets: TS2 only
    if (T.spec.simplex && slot !== 2) this.fail("simplex", t, `${desc} delivered to simplex ${T.spec.repeaterId} on TS1`);
    // ---- no duplicate delivery to the same (session, slot)
    const targetKey = `${T.spec.index}|${T.incarnation}|${slot}`;
    if (this.trace !== null && this.trace.repeaterId === T.spec.repeaterId) {
      this.trace.line(`${String(t).padStart(7)} deliver TS${slot} ${kindName(kind)} call ${p.id}${parrot ? " (parrot)" : ""} ${f.sourceId}→${f.destinationId} sid=${f.streamId.toString(16)} seq=${f.sequence}`);
    }
    if (tagged) {
      const k = `${targetKey}|${readTag(f.bytes)}`;
      if (this.dupTags.has(k)) this.fail("duplicate", t, `${this.where(T, slot)}: frame ${readTag(f.bytes)} of ${desc} delivered twice`);
      else this.dupTags.add(k);
    } else {
      const k = `${targetKey}|${key}|${kind}`;
      const n = (this.lcCounts.get(k) ?? 0) + 1;
      this.lcCounts.set(k, n);
      const allowed =
        kind === SimFrameKind.Header
          ? Math.max(1, c.headerSeqs.size)
          : kind === SimFrameKind.Terminator
            ? 1
            : kind === SimFrameKind.Csbk
              ? Math.max(1, c.csbks)
              : Math.max(1, c.dataHeaders);
      if (n > allowed && !parrot) this.fail("duplicate", t, `${this.where(T, slot)}: ${kindName(kind)} of ${desc} delivered ${n} times (${allowed} distinct sent)`);
      if (n > allowed + 1 && parrot) this.fail("duplicate", t, `${this.where(T, slot)}: parrot ${kindName(kind)} of ${desc} played ${n} times`);
    }
    // ---- a session transmitting on its own slot wins, for as long as it transmits (past the
    // maximum duration too, and also when its own call is refused: reserved TG, ACL, dial command)
    for (const rf of T.rfCalls) {
      if (rf === c || this.slotEff(T, rf.plan.slot) !== slot) continue;
      if (this.transmitting(rf, t)) {
        this.fail("contention", t, `${this.where(T, slot)}: ${desc} delivered while the session itself transmits call ${rf.plan.id} on that slot`);
        break;
      }
    }
    // ---- one stream at a time, hang time
    const owner = T.owner[slot] ?? null;
    if (late) {
      // nothing order-dependent (owner, hang time, activity)
    } else if (owner === null || owner.key !== key) {
      if (owner !== null && T.rfLastStart[slot]! <= owner.lastT && this.ownerHolds(owner, T, slot, t)) {
        this.fail("contention", t, `${this.where(T, slot)}: ${desc} delivered while call ${owner.callId}${owner.parrot ? " (parrot playback)" : ""} still owns the slot (last frame ${t - owner.lastT} ms ago)`);
      }
      const a = T.activity[slot] ?? null;
      if (a !== null && a.group && p.callType === "group" && a.talkgroupId !== f.destinationId && a.sourceId !== p.radioId && t < a.endT + this.options.hangTimeMs) {
        this.fail("hang-time", t, `${this.where(T, slot)}: ${desc} as TG ${f.destinationId} took the slot ${t - a.endT} ms after TG ${a.talkgroupId} from ${a.sourceId} (hang ${this.options.hangTimeMs} ms)`);
      }
      // a group call the router surely had to deliver here, refused while `owner` held the slot,
      // comes in as a tail without its header: not within the stream timeout of the owner's last
      // frame (HBlink/FreeDMR STREAM_TO), so it is never glued to the end of the owner's call
      if (owner !== null && !parrot && p.callType === "group" && p.kind === "voice" && owner.firstT <= c.firstT && c.firstT < owner.lastT && t - owner.lastT < this.options.streamTimeoutMs) {
        if (this.sureTargets(c, S, T, slot, c.firstT, t).length > 0) {
          this.fail("tail", t, `${this.where(T, slot)}: ${desc}, refused there while call ${owner.callId} held the slot, took it ${t - owner.lastT} ms after that call's last frame (stream timeout ${this.options.streamTimeoutMs} ms)`);
        }
      }
      this.closeOwner(T, slot);
      T.owner[slot] = { key, callId: p.id, parrot, destinationId: f.destinationId, destinationFirstT: t, stillCheckedT: t, firstT: t, lastT: t, terminatorDelivered: false };
    }
    const o = late ? null : T.owner[slot]!;
    if (o !== null) {
      if (o.destinationId !== f.destinationId) {
        o.destinationId = f.destinationId;
        o.destinationFirstT = t;
      }
      o.lastT = t;
      if (kind === SimFrameKind.Terminator) o.terminatorDelivered = true;
      // Generous: data (each CSBK its own stream) leaves no group hang the model could time exactly.
      T.activity[slot] = { group: p.callType === "group" && p.kind === "voice", talkgroupId: f.destinationId, sourceId: p.radioId, endT: t };
    }
    // ---- justification
    if (parrot) {
      const s = this.slotEff(S, p.slot);
      if (!this.options.parrot.enabled) this.fail("unjustified", t, `parrot playback of ${desc} with the parrot disabled`);
      else if (slot !== s || f.destinationId !== p.destinationId) this.fail("unjustified", t, `parrot playback of ${desc} on TS${slot} as ${f.destinationId}`);
      else {
        // The recording ends with the call, or earlier where the router cuts it (maximum stream
        // duration, maximum recording length; generous: ~50 ms per recorded frame).
        const po = this.options.parrot;
        const recordingEnd = Math.min(c.lastT, c.firstT + this.options.maxStreamMs, c.firstT + Math.max(0, po.maxFrames - 5) * 50);
        if (t < recordingEnd + po.delayMs - TICK_SLACK_MS) this.fail("unjustified", t, `parrot playback of ${desc} ${t - recordingEnd} ms after its recording ended (delay ${po.delayMs})`);
      }
    } else if (o !== null) {
      const jk = `${targetKey}|${key}|${o.destinationFirstT}|${f.destinationId}`;
      let why = this.justifiedCache.get(jk);
      if (why === undefined) {
        why = this.justify(c, S, T, slot, f.destinationId, c.firstT) ?? this.justify(c, S, T, slot, f.destinationId, o.destinationFirstT);
        this.justifiedCache.set(jk, why);
        if (why === null) {
          // Tell apart a target that was subscribed at some point during the call but no longer
          // when its delivery started (a stale late-entry target) from one never subscribed.
          const stale = this.everSubscribed(T, slot, f.destinationId, c.firstT, o.destinationFirstT);
          this.fail(
            stale ? "stale-target" : "unjustified",
            t,
            `${desc} delivered to ${this.where(T, slot)} as ${f.destinationId}: no subscription or rule at stream start (${c.firstT}) or delivery start (${o.destinationFirstT})${stale ? ", only in between" : ""}`,
          );
        }
      }
      // A delivery in progress stops when what justified it ends (a subscription, a dial link, a
      // bridge membership of the target or of the source): checked every half second on the MAY
      // bound at that moment.
      if (why !== null && t - o.stillCheckedT >= 500) {
        o.stillCheckedT = t;
        if (!this.stillJustified(c, S, T, slot, f.destinationId, t)) {
          this.fail("stale-delivery", t, `${desc} still delivered to ${this.where(T, slot)} as ${f.destinationId} although nothing justifies it any more (delivery since ${o.destinationFirstT}, stream since ${c.firstT})`);
        }
      }
      // Stream id 0 (BrandMeister style) cannot be remembered as finished: a header after voice is
      // a new call, so the maximum duration is only checked for real ids.
      if (!p.faults.streamIdZero && t > c.firstT + this.options.maxStreamMs + 500) this.fail("max-duration", t, `${desc} still delivered ${t - c.firstT} ms after it started (max ${this.options.maxStreamMs})`);
    }
    // ---- for liveness
    let d = c.delivered.get(targetKey);
    if (d === undefined) c.delivered.set(targetKey, (d = { tags: new Set(), terminator: false, first: t }));
    if (tagged) d.tags.add(readTag(f.bytes));
    if (kind === SimFrameKind.Terminator) d.terminator = true;
  }

  // ---------------------------------------------------------------------------------------------
  // rules: the MAY bound (is a delivery allowed?)

  private justify(c: CallState, S: SessionState, T: SessionState, slot: 1 | 2, delivered: number, at: number): string | null {
    const p = c.plan;
    const o = this.options;
    if (c.aclDenied) return null;
    if (p.purpose === "private" || p.purpose === "unitData") {
      const home = this.radioHome.get(p.destinationId);
      if (home === undefined || home.session !== T.spec.index || delivered !== p.destinationId) return null;
      // Generous on the slot: any slot the radio has been heard on from its session.
      const heardOn = this.heardSlots.get(p.destinationId);
      if (heardOn === undefined || ![...heardOn].some((x) => this.slotEff(T, x as 1 | 2) === slot)) return null;
      const heard = this.lastHeard.get(p.destinationId);
      if (heard === undefined || heard > Math.max(at, c.firstT) + 1 || heard + o.subscriberTtlMs < at) return null;
      return "subscriber-map";
    }
    if (p.callType !== "group") return null;
    const g = p.destinationId;
    const egress = (tg: number) => this.egressPermits(T, slot, tg);
    if (o.dial.enabled && g === o.dial.talkgroupId) {
      if (!(p.slot === o.dial.slot || S.spec.simplex)) return null;
      for (const l of S.links) {
        if (!(l.from <= c.firstT && c.firstT < this.linkEnd(S, l))) continue;
        const n = l.reflector;
        if (delivered === o.dial.talkgroupId && slot === this.slotEff(T, o.dial.slot) && this.linked(T, n, at)) return "reflector→linked";
        if (delivered === n && this.subscribed(T, slot, n, at) && egress(n)) return "reflector→talkgroup";
      }
      return this.bridged(c, S, p.slot, g, T, slot, delivered, at);
    }
    if (inRanges(o.reservedTalkgroups, g) || (o.parrot.enabled && g === o.parrot.talkgroupId)) return this.bridged(c, S, p.slot, g, T, slot, delivered, at);
    if (delivered === g && this.subscribed(T, slot, g, at) && egress(g)) return "subscription";
    if (o.dial.enabled && delivered === o.dial.talkgroupId && slot === this.slotEff(T, o.dial.slot) && this.linked(T, g, at)) return "talkgroup→linked";
    return this.bridged(c, S, p.slot, g, T, slot, delivered, at);
  }

  /**
   * MAY bound at `t` for a delivery in progress: the target's subscription and the source's side
   * (dial link, bridge membership) at the call's start and still at `t`. Unit calls go to where
   * the radio was heard and are not taken back.
   */
  private stillJustified(c: CallState, S: SessionState, T: SessionState, slot: 1 | 2, delivered: number, t: number): boolean {
    const p = c.plan;
    const o = this.options;
    if (p.callType !== "group") return true;
    const g = p.destinationId;
    if (o.dial.enabled && g === o.dial.talkgroupId) {
      for (const l of S.links) {
        // linked at the call's start, and (by this or a later link entry) still at t
        if (!(l.from <= c.firstT && c.firstT < this.linkEnd(S, l) && this.linked(S, l.reflector, t))) continue;
        const n = l.reflector;
        if (delivered === o.dial.talkgroupId && slot === this.slotEff(T, o.dial.slot) && this.linked(T, n, t)) return true;
        if (delivered === n && this.subscribed(T, slot, n, t) && this.egressPermits(T, slot, n)) return true;
      }
      return this.bridged(c, S, p.slot, g, T, slot, delivered, t, t) !== null;
    }
    if (!(inRanges(o.reservedTalkgroups, g) || (o.parrot.enabled && g === o.parrot.talkgroupId))) {
      if (delivered === g && this.subscribed(T, slot, g, t) && this.egressPermits(T, slot, g)) return true;
      if (o.dial.enabled && delivered === o.dial.talkgroupId && slot === this.slotEff(T, o.dial.slot) && this.linked(T, g, t)) return true;
    }
    return this.bridged(c, S, p.slot, g, T, slot, delivered, t, t) !== null;
  }

  private bridged(c: CallState, S: SessionState, fromSlot: 1 | 2, g: number, T: SessionState, slot: 1 | 2, delivered: number, at: number, sourceStillAt = -1): string | null {
    const bridges = this.options.bridges;
    for (let bi = 0; bi < bridges.length; bi++) {
      const b = bridges[bi]!;
      // the call joins the bridge when its source member is active at the call's start (and leaves
      // it when that member is switched off)
      const inSide = b.members.some(
        (m, mi) => m.talkgroupId === g && (m.slot === fromSlot || S.spec.simplex) && this.memberMaybe(S, bi, mi, c.firstT) && (sourceStillAt < 0 || this.memberMaybe(S, bi, mi, sourceStillAt)),
      );
      if (!inSide) continue;
      const outSide = b.members.some((m, mi) => m.talkgroupId === delivered && (m.slot === slot || T.spec.simplex) && this.memberMaybe(T, bi, mi, at));
      if (outSide) return `bridge ${b.name}`;
    }
    return null;
  }

  private memberMatches(system: string, s: SessionState): boolean {
    return system === s.spec.accessRule || system === String(s.spec.repeaterId);
  }

  /** The member model of session X at time `at` (the login that covered it), advanced to now. */
  private memberModel(X: SessionState, bi: number, mi: number, at: number): MemberModel | undefined {
    const incarnation = X.upIntervals.findIndex((i) => i.from <= at && at < i.to);
    if (incarnation < 0) return undefined;
    const model = X.members[incarnation]?.get(`${bi}:${mi}`);
    model?.advance(this.now);
    return model;
  }

  private memberMaybe(X: SessionState, bi: number, mi: number, at: number): boolean {
    return this.memberModel(X, bi, mi, at)?.maybe(at) ?? false;
  }

  /** Subscribed to `tg` on `slot` at `at` by a static (config or options), a user-activated TG or a bridge member. Simplex: either slot. */
  private subscribed(T: SessionState, slot: 1 | 2, tg: number, at: number): boolean {
    const slotOk = (x: 1 | 2) => x === slot || T.spec.simplex;
    for (const st of T.statics) if (st.talkgroupId === tg && slotOk(st.slot) && st.from <= at && at < st.to) return true;
    for (const d of T.dynamic) if (d.talkgroupId === tg && slotOk(d.slot) && d.from <= at && at < this.dynamicEnd(T, d)) return true;
    // Generous: a bridge member subscribes its ports to that TG as well.
    const bridges = this.options.bridges;
    for (let bi = 0; bi < bridges.length; bi++) {
      const members = bridges[bi]!.members;
      for (let mi = 0; mi < members.length; mi++) {
        const m = members[mi]!;
        if (m.talkgroupId === tg && slotOk(m.slot) && this.memberMaybe(T, bi, mi, at)) return true;
      }
    }
    return false;
  }

  /** Some static/dynamic subscription or link for (slot, tg) overlapped [from, to]. */
  private everSubscribed(T: SessionState, slot: 1 | 2, tg: number, from: number, to: number): boolean {
    const slotOk = (x: 1 | 2) => x === slot || T.spec.simplex;
    if (T.statics.some((st) => st.talkgroupId === tg && slotOk(st.slot) && st.from <= to && st.to >= from)) return true;
    if (T.dynamic.some((d) => d.talkgroupId === tg && slotOk(d.slot) && d.from <= to && this.dynamicEnd(T, d) >= from)) return true;
    if (tg === this.options.dial.talkgroupId) return T.links.some((l) => l.from <= to && this.linkEnd(T, l) >= from);
    return false;
  }

  private linked(T: SessionState, reflector: number, at: number): boolean {
    for (const l of T.links) if (l.reflector === reflector && l.from <= at && at < this.linkEnd(T, l)) return true;
    return false;
  }

  /** MAY end of a link: closed, or run out (the UA timer after its last use, plus slack). */
  private linkEnd(T: SessionState, l: LinkInterval): number {
    if (!l.expires || T.maxTimerMs === INF) return l.to;
    return Math.min(l.to, l.lastUse + this.options.streamTimeoutMs + TICK_SLACK_MS + T.maxTimerMs + TIMER_SLACK_MS);
  }

  private isUp(T: SessionState, at: number): boolean {
    return T.upIntervals.some((i) => i.from <= at && at < i.to);
  }

  private dynamicEnd(T: SessionState, d: DynamicSub): number {
    // Generous: the longest UA timer the session had (options may change it), counted from the
    // last frame (the router restarts it while the session talks on it), plus housekeeping slack.
    return Math.min(d.forcedEnd, d.lastUse + T.maxTimerMs + TIMER_SLACK_MS + this.options.streamTimeoutMs);
  }

  private renewDynamic(t: number, s: SessionState, slot: 1 | 2, tg: number, callStart: number, single: boolean): void {
    const o = this.options;
    if (inRanges(o.reservedTalkgroups, tg) || tg === o.dial.talkgroupId || tg === o.parrot.talkgroupId) return;
    let found = false;
    // Generous: keying a TG the slot already has statically may leave the dynamic one alone in SINGLE mode.
    // (decided as of the call's start: options may change while the call goes on)
    const keyedIsStatic = s.statics.some((st) => st.talkgroupId === tg && (st.slot === slot || s.spec.simplex) && st.from <= t && callStart < st.to);
    for (const d of s.dynamic) {
      if (d.slot !== slot || d.forcedEnd <= t) continue;
      if (d.talkgroupId === tg && t < this.dynamicEnd(s, d)) {
        d.lastUse = t;
        found = true;
      } else if (d.talkgroupId !== tg && single && !keyedIsStatic) {
        // SINGLE: keying another TG drops this one around the end of that call (generous: rolling).
        d.forcedEnd = Math.min(d.forcedEnd, t + o.streamTimeoutMs + 1000);
      }
    }
    if (!found) s.dynamic.push({ slot, talkgroupId: tg, from: t, lastUse: t, forcedEnd: INF, sureFrom: t, sureUntil: t });
  }

  // ---------------------------------------------------------------------------------------------
  // rules: the SURE bound (must the router still be delivering?)

  /**
   * The destinations the router surely delivers call c as to (T, slot) all through [from, to]
   * (one of them; empty when the rules leave any doubt, then nothing is required of the router).
   */
  private sureTargets(c: CallState, S: SessionState, T: SessionState, slot: 1 | 2, from: number, to: number): number[] {
    const p = c.plan;
    const o = this.options;
    if (c.aclDenied || p.callType !== "group") return [];
    const g = p.destinationId;
    let conference = g;
    if (o.dial.enabled && g === o.dial.talkgroupId) {
      if (!(p.slot === o.dial.slot || S.spec.simplex)) return [];
      const n = this.sureLinkedReflector(S, c.firstT, to);
      if (n === null) return [];
      conference = n;
    } else if (inRanges(o.reservedTalkgroups, g) || (o.parrot.enabled && g === o.parrot.talkgroupId)) {
      return [];
    }
    // Within the conference a (port, slot) is served once, by the first of its subscriptions there
    // (a static/dynamic TG N and a dial link to N on the dial slot): either may be the one. The TG's
    // own conference comes before any bridge, so a bridge never takes the slot first.
    const out: number[] = [];
    if (this.egressPermits(T, slot, conference) && this.sureSubscribed(T, slot, conference, from, to)) out.push(conference);
    if (slot === this.slotEff(T, o.dial.slot) && this.sureLinked(T, conference, from, to)) out.push(o.dial.talkgroupId);
    if (conference !== g || out.length > 0) return out;
    // a bridge serves (T, slot) where nothing of the TG's own conference may claim it first, one
    // bridge member on that slot may (exactly one), and both members are surely active
    if (this.mayStaticOrDynamic(T, slot, g, from, to) || (slot === this.slotEff(T, o.dial.slot) && T.links.some((l) => l.reflector === g && l.from <= to && this.linkEnd(T, l) > from))) return out;
    const bridges = o.bridges;
    let claims = 0;
    let sure = -1;
    for (let bi = 0; bi < bridges.length; bi++) {
      const members = bridges[bi]!.members;
      let inMaybe = false;
      let inSure = false;
      members.forEach((m, mi) => {
        if (m.talkgroupId !== g || !(m.slot === p.slot || S.spec.simplex)) return;
        if (this.memberMaybe(S, bi, mi, c.firstT)) inMaybe = true;
        if (this.memberModel(S, bi, mi, c.firstT)?.sure(c.firstT, to) === true) inSure = true;
      });
      if (!inMaybe) continue;
      members.forEach((m, mi) => {
        if (!(m.slot === slot || T.spec.simplex) || T === S) return;
        if (!(this.memberMaybe(T, bi, mi, from) || this.memberMaybe(T, bi, mi, to))) return;
        claims++;
        if (inSure && this.memberModel(T, bi, mi, from)?.sure(from, to) === true) sure = m.talkgroupId;
      });
    }
    if (claims === 1 && sure >= 0 && this.egressPermits(T, slot, sure)) out.push(sure);
    return out;
  }

  /** The owner of (T, slot) surely still holds it: its call is alive and surely still targets T there. */
  private ownerHolds(owner: Owner, T: SessionState, slot: 1 | 2, t: number): boolean {
    if (!this.ownerAlive(owner, t)) return false;
    if (owner.parrot) return true;
    const c = this.calls.get(owner.callId)!;
    const p = c.plan;
    if (p.purpose === "private" || p.purpose === "unitData") return true;
    const S = this.sessions[p.session]!;
    return this.sureTargets(c, S, T, slot, owner.destinationFirstT, t).includes(owner.destinationId);
  }

  private sureSubscribed(T: SessionState, slot: 1 | 2, tg: number, from: number, to: number): boolean {
    const slotOk = (x: 1 | 2) => x === slot || T.spec.simplex;
    for (const st of T.statics) if (st.talkgroupId === tg && slotOk(st.slot) && st.from <= from && to < st.sureTo) return true;
    for (const d of T.dynamic) if (d.talkgroupId === tg && slotOk(d.slot) && d.sureFrom <= from && to < Math.min(d.sureUntil, d.forcedEnd)) return true;
    return false;
  }

  private mayStaticOrDynamic(T: SessionState, slot: 1 | 2, tg: number, from: number, to: number): boolean {
    const slotOk = (x: 1 | 2) => x === slot || T.spec.simplex;
    if (T.statics.some((st) => st.talkgroupId === tg && slotOk(st.slot) && st.from <= to && st.to > from)) return true;
    return T.dynamic.some((d) => d.talkgroupId === tg && slotOk(d.slot) && d.from <= to && this.dynamicEnd(T, d) > from);
  }

  private sureLinked(T: SessionState, reflector: number, from: number, to: number): boolean {
    return this.sureLinks(T).some((l) => l.reflector === reflector && l.from <= from && to < l.to);
  }

  private sureLinkedReflector(S: SessionState, from: number, to: number): number | null {
    return this.sureLinks(S).find((l) => l.from <= from && to < l.to)?.reflector ?? null;
  }

  /**
   * SURE intervals of a session's dial-a-TG link, replaying what changes it (freedmr-reference.md
   * §1.6): a login links the rule's default; a dial links N (expiring after the UA timer unless N is
   * the default), TG 9 traffic renews it, 4000 unlinks and relinks the default after the timer,
   * DIAL= options change the default, an expired link falls back to the default. Any event inside a
   * timer's slack makes the state unknown until the next event that sets it.
   */
  private sureLinks(T: SessionState): { reflector: number; from: number; to: number }[] {
    const out: { reflector: number; from: number; to: number }[] = [];
    const o = this.options;
    const timeout = o.streamTimeoutMs + TICK_SLACK_MS;
    let known = false;
    let linked = 0;
    let from = 0;
    let expAt = INF;
    let expTimer = INF;
    let useCall: CallState | null = null;
    let dflt = 0;
    let relinkAt = INF;
    const emit = (to: number) => {
      if (!known || linked <= 0) return;
      const end = Math.min(to, expAt);
      if (end > from) out.push({ reflector: linked, from, to: end });
    };
    const latestExpiry = () => Math.max(expAt, useCall !== null && expTimer < INF ? useCall.lastT + timeout + expTimer : -INF) + TIMER_SLACK_MS;
    const settle = (t: number) => {
      if (!known) return;
      if (linked > 0 && expAt < INF) {
        const late = latestExpiry();
        if (t > late) {
          emit(expAt);
          // the router unlinked and relinked the default at once
          linked = o.dial.enabled && dflt > 0 ? dflt : 0;
          from = late;
          expAt = expTimer = INF;
          useCall = null;
        } else if (t > expAt) {
          emit(expAt);
          known = false;
          return;
        }
      }
      if (linked === 0 && relinkAt < INF) {
        if (t > relinkAt + TIMER_SLACK_MS) {
          linked = dflt > 0 ? dflt : 0;
          from = relinkAt + TIMER_SLACK_MS;
          relinkAt = INF;
          expAt = expTimer = INF;
        } else if (t > relinkAt) {
          known = false;
        }
      }
    };
    const setLink = (t: number, n: number, timerMs: number) => {
      emit(t);
      known = true;
      linked = n;
      from = t;
      expTimer = n === dflt ? INF : timerMs;
      expAt = t + expTimer;
      useCall = null;
      relinkAt = INF;
    };
    for (const e of T.dialEvents) {
      settle(e.t);
      switch (e.kind) {
        case "up":
          known = true;
          dflt = e.n ?? 0;
          linked = o.dial.enabled && dflt > 0 ? dflt : 0;
          from = e.t;
          expAt = expTimer = INF;
          useCall = null;
          relinkAt = INF;
          break;
        case "down":
          emit(e.t);
          known = false;
          break;
        case "dial":
          if (!known || linked !== e.n) setLink(e.t, e.n!, e.timerMs);
          else {
            expTimer = e.n === dflt ? INF : e.timerMs;
            expAt = e.t + expTimer;
            useCall = null;
          }
          break;
        case "unlink":
          if (known && linked > 0) {
            emit(e.t);
            linked = 0;
            expAt = expTimer = INF;
            relinkAt = dflt > 0 && e.timerMs < INF ? e.t + e.timerMs : INF;
          }
          break;
        case "use":
          if (known && linked > 0 && expTimer < INF) {
            expTimer = e.timerMs;
            expAt = e.t + expTimer;
            useCall = e.call;
          }
          break;
        case "options": {
          if (e.n === null || !o.dial.enabled) break;
          const before = dflt;
          const after = e.n;
          dflt = after;
          if (!known) break;
          if (after !== before) {
            if (after === 0) {
              if (linked === before && linked !== 0) {
                emit(e.t);
                linked = 0;
                expAt = expTimer = INF;
              }
            } else if (linked === 0 || linked === before) {
              setLink(e.t, after, INF);
            }
          } else if (after !== 0 && linked === 0 && relinkAt === INF) {
            setLink(e.t, after, INF);
          }
          if (linked === after) expAt = expTimer = INF;
          break;
        }
      }
    }
    settle(this.now);
    if (known && linked > 0) {
      const end = expAt;
      if (end > from) out.push({ reflector: linked, from, to: end });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private ruleOf(s: SessionState): AccessRuleRouting {
    const name = s.spec.accessRule;
    const rule = name === null ? undefined : this.options.accessRules[name];
    return (
      rule ?? {
        ts1Static: [],
        ts2Static: [],
        subscriberAcl: { text: "PERMIT:ALL", permitListed: true, all: true, ranges: new Float64Array(0) },
        talkgroupTs1Acl: { text: "PERMIT:ALL", permitListed: true, all: true, ranges: new Float64Array(0) },
        talkgroupTs2Acl: { text: "PERMIT:ALL", permitListed: true, all: true, ranges: new Float64Array(0) },
        uaTimerMinutes: null,
        singleMode: null,
        defaultReflector: 0,
        allowOptions: true,
      }
    );
  }

  /** UA timer (TIMER= from any options of this login, else the rule's, else the default); 0 = never. */
  private timerMs(s: SessionState): number {
    const minutes = s.lastTimerMinutes ?? this.ruleOf(s).uaTimerMinutes ?? this.options.uaTimerMinutes;
    return minutes === 0 ? INF : minutes * 60_000;
  }

  private single(s: SessionState): boolean {
    return s.lastSingle ?? this.ruleOf(s).singleMode ?? this.options.singleModeDefault;
  }

  private defaultReflector(s: SessionState): number {
    return s.lastDial ?? this.ruleOf(s).defaultReflector;
  }

  private dialable(n: number): boolean {
    const d = this.options.dial;
    return d.enabled && n >= d.minReflector && n <= d.maxReflector && !inRanges(d.notDialable, n);
  }

  private slotEff(s: SessionState, slot: 1 | 2): 1 | 2 {
    return s.spec.simplex ? 2 : slot;
  }

  private aclDenied(c: CallState): boolean {
    const p = c.plan;
    const o = this.options;
    const S = this.sessions[p.session]!;
    const rule = this.ruleOf(S);
    if (!aclPermits(o.subscriberAcl, p.radioId) || !aclPermits(rule.subscriberAcl, p.radioId)) return true;
    if (p.callType !== "group") return false;
    // Generous for simplex sources: allowed if allowed on the slot it arrived on or on TS2.
    const slots: (1 | 2)[] = S.spec.simplex ? [p.slot, 2] : [p.slot];
    return !slots.some(
      (slot) =>
        aclPermits(slot === 1 ? o.talkgroupTs1Acl : o.talkgroupTs2Acl, p.destinationId) &&
        aclPermits(slot === 1 ? rule.talkgroupTs1Acl : rule.talkgroupTs2Acl, p.destinationId),
    );
  }

  private egressPermits(T: SessionState, slot: 1 | 2, tg: number): boolean {
    const rule = this.ruleOf(T);
    return aclPermits(slot === 1 ? rule.talkgroupTs1Acl : rule.talkgroupTs2Acl, tg);
  }

  /** Calls that are routed at the router (refused ones — ACL, reserved TG — and dial commands are not). */
  private isRoutedRf(c: CallState): boolean {
    const p = c.plan;
    return !c.aclDenied && p.purpose !== "reserved" && p.purpose !== "unlink" && p.purpose !== "status" && p.purpose !== "dial";
  }

  /** Is the ingress stream of call `c` still running and routed at `t`? (sound: never longer than the router's view) */
  private alive(c: CallState, t: number): boolean {
    if (t > c.firstT + this.options.maxStreamMs) return false;
    return this.transmitting(c, t);
  }

  /** Is the session surely still sending call `c` at `t` (its stream holds the session's own slot)? */
  private transmitting(c: CallState, t: number): boolean {
    if (c.startT < 0 || c.startT > t) return false;
    if (c.downT <= t) return false;
    if (c.endT >= 0 && c.endT <= t) return false;
    if (c.plan.kind === "data") {
      // Only between the data header and the last block is a data call one stream for sure.
      if (c.dataHeaderT < 0 || c.dataHeaderT > t) return false;
      // Generous: the router may count lost blocks by sequence and end the call before the data
      // timeout, so only the voice stream timeout is certain.
      return t < c.lastT + this.options.streamTimeoutMs;
    }
    return t < c.lastT + this.options.streamTimeoutMs;
  }

  private ownerAlive(o: Owner, t: number): boolean {
    const c = this.calls.get(o.callId)!;
    if (o.parrot) return !o.terminatorDelivered && t - o.lastT < this.options.parrot.frameIntervalMs;
    return this.alive(c, t);
  }

  private closeOwner(s: SessionState, slot: 1 | 2): void {
    const o = s.owner[slot] ?? null;
    if (o !== null) s.segments[slot]!.push({ key: o.key, first: o.firstT, last: o.lastT });
    s.owner[slot] = null;
  }

  /** The call a header/terminator/CSBK/data header belongs to: the radio's latest call that has started. */
  private attributeLc(t: number, sourceId: number, destinationId: number, T: SessionState): CallState | undefined {
    const list = this.callsByRadio.get(sourceId);
    if (list === undefined) return undefined;
    const parrotTg = this.options.parrot.talkgroupId;
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i]!;
      if (c.firstT < 0 || c.firstT > t) continue;
      const isParrotPlayback = c.plan.purpose === "parrot" && c.plan.session === T.spec.index;
      if (destinationId === parrotTg && T.spec.index === this.radioHome.get(sourceId)?.session) {
        if (isParrotPlayback) return c;
        continue;
      }
      return c;
    }
    return undefined;
  }

  private where(T: SessionState, slot: number): string {
    return `session ${T.spec.repeaterId}#${T.incarnation} TS${slot}`;
  }

  private fail(kind: string, atMs: number, detail: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.violations.length < this.maxDetailed) this.violations.push({ kind, atMs, detail });
  }

  get violationCount(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // liveness (after the run)

  finish(endMs: number): void {
    this.now = endMs;
    for (const s of this.sessions) for (const slot of [1, 2] as const) this.closeOwner(s, slot);
    // a playback that never played any voice (its headers waited in vain), unless the caller
    // talked over all of it (its own transmission wins)
    for (const [streamId, held] of this.pendingParrot) {
      const h = held[0]!;
      const T = this.sessions[h.session]!;
      const slot = ((h.bytes[15]! & 0x80) !== 0 ? 2 : 1) as 1 | 2;
      const talkedOver = T.rfCalls.some((rf) => this.slotEff(T, rf.plan.slot) === slot && rf.firstT <= h.t + 70_000 && rf.lastT >= h.t - 1000);
      if (!talkedOver) this.fail("parrot-empty", h.t, `parrot playback ${streamId.toString(16)} to session ${T.spec.repeaterId} TS${slot}: ${held.length} header/terminator frames and no voice`);
    }
    for (const c of this.calls.values()) this.checkLiveness(c, endMs);
  }

  private clean(c: CallState): boolean {
    const p = c.plan;
    if (c.firstT < 0 || c.aclDenied || p.faults.lateEntry || p.faults.streamIdZero || p.faults.repeatedHeaders || p.faults.dmrPlusHeaders || p.faults.lossy) return false;
    if (c.duplicates > 0 || c.ingressFrames !== p.plannedFrames || c.maxGapMs > 200) return false;
    if (c.downT !== INF) return false;
    if (c.lastT - c.firstT > this.options.maxStreamMs - 2000) return false;
    if (p.kind === "voice" && c.endT < 0) return false;
    return true;
  }

  /** (T, slot) carried nothing else and T did not transmit on it in [from, to]; T up throughout, options unchanged. */
  private quiet(T: SessionState, slot: 1 | 2, from: number, to: number, except: number): boolean {
    if (!T.upIntervals.some((i) => i.from <= from && to < i.to)) return false;
    if (T.optionsChanges.some((x) => x >= from - 1000 && x <= to)) return false;
    for (const seg of T.segments[slot]!) if (seg.key !== except && seg.last >= from && seg.first <= to) return false;
    for (const rf of T.rfCalls) {
      if (this.slotEff(T, rf.plan.slot) !== slot && !T.spec.simplex) continue;
      if (rf.firstT <= to && rf.lastT + this.options.streamTimeoutMs + (rf.plan.kind === "data" ? this.options.dataTimeoutMs : 0) >= from) return false;
    }
    return true;
  }

  private staticStable(T: SessionState, slot: 1 | 2, tg: number, from: number, to: number): boolean {
    return T.statics.some((st) => st.talkgroupId === tg && (st.slot === slot || T.spec.simplex) && st.from <= from && to < st.sureTo);
  }

  /** Returns false when the target was not quiet (nothing checked). */
  private expect(c: CallState, T: SessionState, slot: 1 | 2, what: string, wantTags: Set<number>, wantTerminator: boolean, key: number): boolean {
    const p = c.plan;
    const from = c.firstT - this.options.hangTimeMs - 500;
    const to = key < 0 ? c.lastT + this.options.parrot.delayMs + p.plannedFrames * this.options.parrot.frameIntervalMs + 2000 : c.lastT + 100;
    if (!this.quiet(T, slot, from, to, key)) return false;
    this.livenessChecked++;
    // the login that covered the call (one up interval per incarnation, in order)
    const incarnation = T.upIntervals.findIndex((i) => i.from <= from && to < i.to);
    const d = c.delivered.get(`${T.spec.index}|${incarnation}|${slot}`);
    const want = [...wantTags];
    const got = d === undefined ? 0 : want.filter((x) => d.tags.has(x)).length;
    const missing = d === undefined ? [] : want.map((x, i) => (d.tags.has(x) ? -1 : i)).filter((i) => i >= 0).slice(0, 8);
    if (got < wantTags.size || (wantTerminator && d?.terminator !== true)) {
      this.fail(
        p.probe === true ? "probe" : "liveness",
        c.firstT,
        `${p.probe === true ? "probe " : ""}call ${p.id} (${p.purpose} ${p.radioId}→${p.destinationId} TS${p.slot} from ${this.sessions[p.session]!.spec.repeaterId}) should reach session ${T.spec.repeaterId}#${incarnation} TS${slot} (${what}, target idle): ${got}/${wantTags.size} frames${missing.length > 0 ? ` (missing #${missing.join(",#")})` : ""}${wantTerminator ? `, terminator ${d?.terminator === true}` : ""}`,
      );
    }
    return true;
  }

  private checkLiveness(c: CallState, endMs: number): void {
    if (!this.clean(c)) return;
    const p = c.plan;
    const o = this.options;
    const S = this.sessions[p.session]!;
    const window = [c.firstT - 1000, c.lastT] as const;
    if (p.probe === true && (p.purpose === "group" || p.purpose === "reflector")) {
      this.probesChecked++;
      // every other session's slot that surely belongs to the call's conference for its whole length
      for (const T of this.sessions) {
        if (T === S) continue;
        for (const slot of T.spec.simplex ? ([2] as const) : ([1, 2] as const)) {
          const dest = this.sureTargets(c, S, T, slot, c.firstT, c.lastT + 100);
          if (dest.length === 0) continue;
          if (this.expect(c, T, slot, `probe: surely subscribed as ${dest.join(" or ")}`, c.burstTags, true, p.id)) this.probeTargets++;
        }
      }
      return;
    }
    if (p.purpose === "group") {
      for (const T of this.sessions) {
        if (T === S) continue;
        for (const slot of T.spec.simplex ? ([2] as const) : ([1, 2] as const)) {
          if (this.staticStable(T, slot, p.destinationId, window[0], window[1]) && this.egressPermits(T, slot, p.destinationId)) {
            this.expect(c, T, slot, `static TG ${p.destinationId}`, c.burstTags, true, p.id);
          }
        }
      }
    } else if (p.purpose === "parrot" && o.parrot.enabled) {
      if (c.burstTags.size > o.parrot.maxFrames - 10) return;
      const end = c.lastT + o.parrot.delayMs + p.plannedFrames * o.parrot.frameIntervalMs + 2000;
      if (end > endMs) return;
      // Too many recordings at once may be refused (maxConcurrent): only check when few overlap.
      let overlapping = 0;
      for (const other of this.calls.values()) if (other.plan.purpose === "parrot" && other.firstT >= 0 && other.firstT < end && other.lastT + o.parrot.delayMs + other.plan.plannedFrames * o.parrot.frameIntervalMs > c.firstT) overlapping++;
      if (overlapping > o.parrot.maxConcurrent / 2) return;
      if (this.expect(c, S, this.slotEff(S, p.slot), "parrot playback", c.burstTags, false, -p.id - 1) && p.probe === true) this.probeTargets++;
    } else if (p.purpose === "private" || p.purpose === "unitData") {
      const home = this.radioHome.get(p.destinationId)!;
      const T = this.sessions[home.session]!;
      if (T === S) return;
      const calls = this.callsByRadio.get(p.destinationId) ?? [];
      // heard well before, from its home, and the target stayed up since
      // (a call the router heard: one that opened a stream there — a lone terminator opens none and
      // teaches the router nothing, seed 403437272)
      const before = calls.filter((x) => x.startT >= 0 && x.firstT < c.firstT);
      const latest = before[before.length - 1];
      // heard well before, from its home, the target stayed up since, and not heard during the call
      if (latest === undefined || latest.lastT >= c.firstT - 500 || latest.incarnation !== T.incarnation) return;
      const slot = this.slotEff(T, latest.plan.slot);
      let checked: boolean;
      if (p.kind === "data") checked = this.expect(c, T, slot, "unit data to last-heard place", c.blockTags, false, p.id);
      else checked = this.expect(c, T, slot, "private call to last-heard place", c.burstTags, true, p.id);
      if (checked && p.probe === true) this.probeTargets++;
    }
  }

  summary(): string {
    const parts = [...this.counts.entries()].map(([k, v]) => `${k}=${v}`);
    return `ingress=${this.ingress} deliveries=${this.deliveries} liveness-checked=${this.livenessChecked} probes=${this.probesChecked}/${this.probeTargets} violations=${this.violationCount}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  }
}

function simKindOf(f: DmrdFrame): SimFrameKind {
  if (f.frameType !== FrameType.DataSync) return SimFrameKind.Burst;
  switch (f.dataType) {
    case DataType.VoiceLcHeader:
      return SimFrameKind.Header;
    case DataType.TerminatorWithLc:
      return SimFrameKind.Terminator;
    case DataType.Csbk:
      return SimFrameKind.Csbk;
    case DataType.DataHeader:
      return SimFrameKind.DataHeader;
    default:
      return SimFrameKind.DataBlock;
  }
}

function kindName(kind: SimFrameKind): string {
  return ["header", "burst", "terminator", "CSBK", "data header", "data block"][kind] ?? "frame";
}
