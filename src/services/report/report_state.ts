/**
 * What the FreeDMR report socket tells its monitors (FDMR-Monitor, HBmonitor), built only from
 * bus events: every connected hotspot as its own MASTER system (as FreeDMR's generator gives
 * each hotspot one, so the monitor's per-system slot display shows that hotspot alone), upstream
 * links as PEER systems and OpenBridge/FBP links as OPENBRIDGE systems, with exactly the keys
 * and Python types `monitor.py` reads (freedmr-reference.md §3): bytes for RPTC fields and ids,
 * epoch floats for times. Conference bridges are the configured ones, with ON/OFF state from
 * bridge.change events. Call events become BRDG_EVENT lines.
 *
 * Nothing here holds a passphrase; addresses are sent only when the config allows it.
 * @module
 */
import type { CoreEvent, LinkSnapshot } from "../../core/events.ts";
import { PickleDict, type PickleValue } from "./pickle.ts";

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

/** RPTC details of a hotspot, when an event carries them (strings as the hotspot sent them). */
export interface HotspotDetails {
  rxFreq?: string;
  txFreq?: string;
  txPower?: string;
  colorCode?: string;
  latitude?: string;
  longitude?: string;
  height?: string;
  location?: string;
  description?: string;
  slots?: string;
  url?: string;
  softwareId?: string;
  packageId?: string;
}

interface Hotspot {
  repeaterId: number;
  callsign: string;
  address: string;
  port: number;
  connectedEpochS: number;
  details: HotspotDetails;
}

const NO_LINES: readonly string[] = [];
/** Calls in progress remembered for their END TX lines (a lost end is forgotten oldest-first). */
const OPEN_CALLS_MAX = 4096;

/** subscription.change reasons of static talkgroups (config rules, options, API/self-care). */
const STATIC_REASONS = new Set(["config", "options", "api", "static", "self-care", "settings"]);

export interface ReportBridgeMember {
  system: string;
  slot: 1 | 2;
  talkgroupId: number;
  active: boolean;
  timeoutMinutes: number;
  timeoutType: "none" | "on" | "off";
  on: readonly number[];
  off: readonly number[];
  reset: readonly number[];
}

export interface ReportStateOptions {
  /** Most hotspots kept (the HBP master's max_peers). */
  maxHotspots: number;
  /** The HBP master's UDP port (shown as each MASTER system's PORT). */
  hbpPort: number;
  /** Send hotspots' and links' addresses (FreeDMR does; off unless the config says so). */
  includeAddresses: boolean;
  /** Server-wide routing settings FreeDMR shows per MASTER. */
  groupHangTimeSeconds: number;
  singleMode: boolean;
  uaTimerMinutes: number;
  /** Configured bridges (rules.py-style), by name. */
  bridges: ReadonlyMap<string, readonly ReportBridgeMember[]>;
  /** Wall clock, ms since the epoch. */
  wallClockMs(): number;
  /** The clock events are stamped with (monotonic ms). */
  monotonicMs(): number;
}

interface LinkEntry {
  name: string;
  kind: "openbridge" | "upstream";
  up: boolean;
  upSinceEpochS: number;
  peer: string | null;
  networkId: number;
}

export class ReportState {
  readonly #hotspots = new Map<number, Hotspot>(); // by port index
  readonly #links = new Map<string, LinkEntry>();
  /** Static talkgroups per port index (the router announces them before session.up). */
  readonly #statics = new Map<number, { 1: Set<number>; 2: Set<number> }>();
  readonly #bridges: Map<string, ReportBridgeMember[]>;
  /** Link names by port index (from stats snapshots), for TX lines to links. */
  readonly #linkByPort = new Map<number, string>();
  /** Group voice calls in progress with their start targets: "portIndex:streamId" → targets. */
  readonly #openCalls = new Map<string, Uint32Array>();
  /** Events not kept because a table was full. */
  overflow = 0;

  constructor(private readonly options: ReportStateOptions) {
    this.#bridges = new Map([...options.bridges].map(([name, members]) => [name, members.map((m) => ({ ...m }))]));
  }

  get hotspotCount(): number {
    return this.#hotspots.size;
  }

  /**
   * Applies an event; returns the BRDG_EVENT lines it produces: the RX line of a call start/end
   * and one TX line per target the call was sent to at its start, as FreeDMR writes them.
   */
  apply(event: CoreEvent): readonly string[] {
    const line = this.#applyOne(event);
    if (line === null) return NO_LINES;
    if (event.type !== "stream.start" && event.type !== "stream.end") return [line];
    // FreeDMR's order: START RX then its TX lines; END TX lines then END RX
    return event.type === "stream.start" ? [line, ...this.#txLines(event)] : [...this.#txLines(event), line];
  }

  #applyOne(event: CoreEvent): string | null {
    switch (event.type) {
      case "session.up":
        this.#sessionUp(event);
        return null;
      case "session.down":
        this.#hotspots.delete(event.portIndex);
        this.#statics.delete(event.portIndex);
        return null;
      case "subscription.change": {
        let statics = this.#statics.get(event.portIndex);
        if (event.action === "add" && STATIC_REASONS.has(event.reason)) {
          if (statics === undefined) {
            if (this.#statics.size >= this.options.maxHotspots * 2) {
              this.overflow++;
              return null;
            }
            statics = { 1: new Set(), 2: new Set() };
            this.#statics.set(event.portIndex, statics);
          }
          if (statics[event.slot].size < 256) statics[event.slot].add(event.talkgroupId);
        } else if (event.action === "remove") statics?.[event.slot].delete(event.talkgroupId);
        return null;
      }
      case "bridge.change": {
        for (const member of this.#bridges.get(event.bridge) ?? []) {
          if (member.system === event.system && member.slot === event.slot && member.talkgroupId === event.talkgroupId) member.active = event.active;
        }
        return null;
      }
      case "link.up":
      case "link.down": {
        const link = this.#links.get(event.link) ?? { name: event.link, kind: "openbridge", up: false, upSinceEpochS: 0, peer: null, networkId: 0 };
        link.up = event.type === "link.up";
        if (link.up) link.upSinceEpochS = this.#epochSeconds(event.atMs);
        this.#links.set(event.link, link);
        return null;
      }
      case "stats":
        for (const snapshot of event.snapshot.links) {
          this.#mergeLink(snapshot);
          this.#linkByPort.set(snapshot.portIndex, snapshot.name);
        }
        return null;
      case "stream.start":
        return this.#callLine(event, "START");
      case "stream.end":
        return this.#callLine(event, "END");
      default:
        return null;
    }
  }

  /** `GROUP VOICE,START|END,TX,<target system>,…` per target of a group voice call (targets from stream.start). */
  #txLines(event: EventOf<"stream.start"> | EventOf<"stream.end">): string[] {
    if (event.kind !== "voice" || event.callType !== "group") return [];
    const key = `${event.portIndex}:${event.streamId >>> 0}`;
    let targets: Uint32Array | undefined;
    if (event.type === "stream.start") {
      targets = event.targets;
      if (targets === undefined || targets.length === 0) return [];
      if (this.#openCalls.size >= OPEN_CALLS_MAX) {
        const oldest = this.#openCalls.keys().next().value;
        if (oldest !== undefined) this.#openCalls.delete(oldest);
      }
      this.#openCalls.set(key, targets);
    } else {
      targets = this.#openCalls.get(key);
      this.#openCalls.delete(key);
      if (targets === undefined) return [];
    }
    const origin = this.#hotspots.get(event.portIndex);
    const peerId = origin !== undefined ? origin.repeaterId : (this.#links.get(event.portName)?.networkId ?? 0);
    const lines: string[] = [];
    for (let i = 0; i + 1 < targets.length; i += 2) {
      const portIndex = targets[i]!;
      const packed = targets[i + 1]!;
      const hotspot = this.#hotspots.get(portIndex);
      const system = hotspot !== undefined ? String(hotspot.repeaterId) : this.#linkByPort.get(portIndex);
      if (system === undefined) continue;
      const common = `${system},${event.streamId >>> 0},${peerId},${event.sourceId},${packed >>> 24},${packed & 0xffffff}`;
      lines.push(event.type === "stream.start" ? `GROUP VOICE,START,TX,${common}` : `GROUP VOICE,END,TX,${common},${(event.durationMs / 1000).toFixed(2)}`);
    }
    return lines;
  }

  /** Hotspot details (RPTC fields) for a connected port. */
  setDetails(portIndex: number, details: HotspotDetails): void {
    const hotspot = this.#hotspots.get(portIndex);
    if (hotspot !== undefined) hotspot.details = { ...details };
  }

  #sessionUp(event: EventOf<"session.up">): void {
    // a re-login of the same id replaces its entry even if the down event was lost
    for (const [index, hotspot] of this.#hotspots) if (hotspot.repeaterId === event.repeaterId && index !== event.portIndex) this.#hotspots.delete(index);
    const existing = this.#hotspots.get(event.portIndex);
    if (existing === undefined && this.#hotspots.size >= this.options.maxHotspots) {
      this.overflow++;
      return;
    }
    this.#hotspots.set(event.portIndex, {
      repeaterId: event.repeaterId,
      callsign: event.callsign,
      address: event.address,
      port: event.port,
      connectedEpochS: this.#epochSeconds(event.atMs),
      details: existing?.details ?? {},
    });
  }

  #mergeLink(snapshot: LinkSnapshot): void {
    const link = this.#links.get(snapshot.name) ?? { name: snapshot.name, kind: snapshot.kind, up: snapshot.up, upSinceEpochS: this.options.wallClockMs() / 1000, peer: null, networkId: 0 };
    link.kind = snapshot.kind;
    link.up = snapshot.up;
    link.peer = snapshot.peer;
    const networkId = (snapshot as LinkSnapshot & { networkId?: number }).networkId;
    if (typeof networkId === "number") link.networkId = networkId;
    this.#links.set(snapshot.name, link);
  }

  #epochSeconds(atMs: number): number {
    return (this.options.wallClockMs() - (this.options.monotonicMs() - atMs)) / 1000;
  }

  /**
   * `type,event,trx,system,streamid,peerid,subid,slot,dstid[,duration]` (freedmr-reference.md §3).
   * Group voice: GROUP VOICE START/END; data: DATA HEADER / UNIT DATA HEADER (DATA). Private voice
   * has no line in FreeDMR's format and gets none here.
   */
  #callLine(event: EventOf<"stream.start"> | EventOf<"stream.end">, action: "START" | "END"): string | null {
    const hotspot = this.#hotspots.get(event.portIndex);
    const system = hotspot !== undefined ? String(hotspot.repeaterId) : event.portName;
    const link = this.#links.get(event.portName);
    const peerId = hotspot !== undefined ? hotspot.repeaterId : (link?.networkId ?? 0);
    const common = `${system},${event.streamId >>> 0},${peerId},${event.sourceId},${event.slot},${event.destinationId}`;
    if (event.kind === "data") {
      if (action === "END") return null;
      return `${event.callType === "unit" ? "UNIT DATA HEADER" : "DATA HEADER"},DATA,RX,${common}`;
    }
    if (event.callType !== "group") return null;
    if (action === "START") return `GROUP VOICE,START,RX,${common}`;
    return `GROUP VOICE,END,RX,${common},${((event as EventOf<"stream.end">).durationMs / 1000).toFixed(2)}`;
  }

  /** FreeDMR's CONFIG['SYSTEMS'] as monitor.py reads it. */
  configSystems(): PickleDict {
    const systems = new PickleDict();
    const o = this.options;
    for (const [portIndex, hotspot] of this.#hotspots) {
      const statics = this.#statics.get(portIndex);
      const ts1 = statics === undefined ? "" : [...statics[1]].join(",");
      const ts2 = statics === undefined ? "" : [...statics[2]].join(",");
      const d = hotspot.details;
      const peer = PickleDict.of({
        CONNECTION: "YES",
        CONNECTED: hotspot.connectedEpochS,
        PINGS_RECEIVED: 0,
        LAST_PING: o.wallClockMs() / 1000,
        IP: o.includeAddresses ? hotspot.address : "",
        PORT: o.includeAddresses ? hotspot.port : 0,
        RADIO_ID: id4(hotspot.repeaterId),
        CALLSIGN: latin1(hotspot.callsign.padEnd(8).slice(0, 8)),
        RX_FREQ: latin1(d.rxFreq ?? "000000000"),
        TX_FREQ: latin1(d.txFreq ?? "000000000"),
        TX_POWER: latin1(d.txPower ?? "00"),
        COLORCODE: latin1(d.colorCode ?? "01"),
        LATITUDE: latin1(d.latitude ?? ""),
        LONGITUDE: latin1(d.longitude ?? ""),
        HEIGHT: latin1(d.height ?? ""),
        LOCATION: latin1(d.location ?? ""),
        DESCRIPTION: latin1(d.description ?? ""),
        SLOTS: latin1(d.slots ?? "3"),
        URL: latin1(d.url ?? ""),
        SOFTWARE_ID: latin1(d.softwareId ?? ""),
        PACKAGE_ID: latin1(d.packageId ?? ""),
      });
      systems.set(
        String(hotspot.repeaterId),
        PickleDict.of({
          MODE: "MASTER",
          ENABLED: true,
          REPEAT: true,
          MAX_PEERS: 1,
          IP: "",
          PORT: o.hbpPort,
          GROUP_HANGTIME: o.groupHangTimeSeconds,
          USE_ACL: true,
          SINGLE_MODE: o.singleMode,
          DEFAULT_UA_TIMER: o.uaTimerMinutes,
          TS1_STATIC: ts1 === "" ? false : ts1,
          TS2_STATIC: ts2 === "" ? false : ts2,
          _default_options: `TS1_STATIC=${ts1};TS2_STATIC=${ts2};SINGLE=${o.singleMode ? 1 : 0};TIMER=${o.uaTimerMinutes}`,
          PEERS: new PickleDict().set(id4(hotspot.repeaterId), peer),
        }),
      );
    }
    for (const link of this.#links.values()) {
      const [address, port] = splitPeer(link.peer);
      if (link.kind === "openbridge") {
        systems.set(
          link.name,
          PickleDict.of({
            MODE: "OPENBRIDGE",
            ENABLED: true,
            NETWORK_ID: id4(link.networkId),
            TARGET_IP: o.includeAddresses ? address : "",
            TARGET_PORT: o.includeAddresses ? port : 0,
          }),
        );
      } else {
        systems.set(
          link.name,
          PickleDict.of({
            MODE: "PEER",
            ENABLED: true,
            LOCATION: "",
            DESCRIPTION: "",
            URL: "",
            CALLSIGN: latin1(""),
            RADIO_ID: id4(0),
            MASTER_IP: o.includeAddresses ? address : "",
            MASTER_PORT: o.includeAddresses ? port : 0,
            SLOTS: latin1("3"),
            STATS: PickleDict.of({ CONNECTION: link.up ? "YES" : "NO", CONNECTED: link.upSinceEpochS, PINGS_SENT: 0, PINGS_ACKD: 0 }),
          }),
        );
      }
    }
    return systems;
  }

  /** FreeDMR's BRIDGES: `{name: [{SYSTEM, TS, TGID(bytes3), ACTIVE, TIMEOUT(s), TO_TYPE, ON, OFF, RESET, TIMER}]}`. */
  bridges(): PickleDict {
    const out = new PickleDict();
    const now = this.options.wallClockMs() / 1000;
    for (const [name, members] of this.#bridges) {
      const list: PickleValue[] = members.map((m) =>
        PickleDict.of({
          SYSTEM: m.system,
          TS: m.slot,
          TGID: id3(m.talkgroupId),
          ACTIVE: m.active,
          TIMEOUT: m.timeoutMinutes * 60,
          TO_TYPE: m.timeoutType.toUpperCase(),
          ON: m.on.map(id3),
          OFF: m.off.map(id3),
          RESET: m.reset.map(id3),
          TIMER: now + m.timeoutMinutes * 60,
        }),
      );
      out.set(name, list);
    }
    return out;
  }
}

function splitPeer(peer: string | null): [string, number] {
  if (peer === null) return ["", 0];
  const colon = peer.lastIndexOf(":");
  if (colon < 0) return [peer, 0];
  return [peer.slice(0, colon).replace(/^\[|\]$/g, ""), Number(peer.slice(colon + 1)) || 0];
}

function id4(id: number): Uint8Array {
  return new Uint8Array([(id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
}

function id3(id: number): Uint8Array {
  return new Uint8Array([(id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
