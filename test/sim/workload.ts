/**
 * The workload of the routing simulation: per-seed routing options (swarm testing, style-anchors.md
 * §4), sessions with random options in every RPTO form, radios, and the frames of each call with
 * faults (late entry, stream id 0, repeated / DMR+ headers, loss, duplicates, reordering).
 * @module
 */
import { aclOrThrow } from "../../src/core/acl.ts";
import { routingOptions, type BridgeOptions, type RoutingOptions } from "../../src/core/routing/options.ts";
import type { Prng } from "../../src/lib/prng.ts";
import { CallType, DataType } from "../../src/wire/dmrd.ts";
import { encodeCsbkBlock } from "../../src/dmr/csbk.ts";
import { encodeDataHeaderBlock } from "../../src/dmr/data_header.ts";
import { encodeFullLc, writeLc } from "../../src/dmr/full_lc.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER } from "../../src/dmr/rs_12_9.ts";
import { SimFrameKind, writeFrame, type FrameFields, type LcPayloadEncoder } from "./frames.ts";
import type { CallFaults, CallPlan, CallPurpose, RadioSpec, SessionSpec } from "./world.ts";

export const TALKGROUP_POOL = [91, 92, 235, 2350, 3100, 3101, 31001, 31002, 31003, 31004, 310, 1234, 23500, 98765] as const;
export const REFLECTOR_POOL = [235, 2350, 91, 5555, 77777] as const;
export const RESERVED_GROUP_TARGETS = [3, 4000, 5000, 9995, 16777215] as const;

export interface FaultRates {
  /** per mille, per frame */
  readonly lossPerMille: number;
  readonly duplicatePerMille: number;
  readonly reorderPerMille: number;
  /** percent, per call */
  readonly lateEntryPercent: number;
  readonly streamIdZeroPercent: number;
  readonly repeatedHeadersPercent: number;
  readonly dmrPlusHeadersPercent: number;
  /** percent, per voice call: header and terminator only */
  readonly kerchunkPercent: number;
  /** percent: after a parrot call the radio tries the parrot again soon (overlapping recordings) */
  readonly parrotRepeatPercent: number;
  /** percent of sessions that drop once and come back */
  readonly dropSessionPercent: number;
  /** percent of sessions that send changed options once mid-run */
  readonly optionsChangePercent: number;
}

export interface SimWorld {
  readonly options: RoutingOptions;
  readonly sessions: SessionSpec[];
  readonly faults: FaultRates;
  /** RPTO text per session (null = none) */
  readonly sessionOptions: (string | null)[];
  readonly description: string;
}

function aclDenying(ids: readonly number[]): ReturnType<typeof aclOrThrow> {
  return aclOrThrow(`DENY:${ids.join(",")}`);
}

/** Per-seed options and world (swarm testing: every seed a different shape). */
export function makeWorld(prng: Prng, sessionCount: number): SimWorld {
  const hangTimeMs = prng.pick([3000, 10_000]);
  const uaTimerMinutes = prng.pick([1, 10, 0, 1]);
  const maxStreamMs = prng.pick([180_000, 30_000]);
  const singleModeDefault = prng.chance(1, 2);
  const firstRadio = 2_340_000;
  // A few radio ids the ACLs deny.
  const deniedRadios = [firstRadio + 4 * prng.nextInt(sessionCount) + 1, firstRadio + 4 * prng.nextInt(sessionCount)];
  const globalDeny = prng.chance(1, 2);
  const bridges: BridgeOptions[] = [];
  if (prng.chance(1, 2)) {
    bridges.push({
      name: "club-acl",
      members: [
        { system: "club", slot: 1, talkgroupId: 31001, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
        { system: "acl", slot: 2, talkgroupId: 31002, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
      ],
    });
  }
  if (prng.chance(1, 2)) {
    // rules.py style (freedmr-reference.md §1.8): ON/OFF/RESET trigger TGs from the member's own
    // system and slot (4000/5000 are group calls to reserved numbers), ON and OFF timers
    const someSession = String(234_000_000 + prng.nextInt(sessionCount) * 100 + 1);
    bridges.push({
      name: "triggered",
      members: [
        { system: "open", slot: 1, talkgroupId: 31003, active: false, timeoutMinutes: prng.pick([1, 2]), timeoutType: "on", on: [31003], off: [4000], reset: [3100] },
        { system: "club", slot: 2, talkgroupId: 31004, active: true, timeoutMinutes: 1, timeoutType: "off", on: [31004], off: [5000], reset: [3101] },
        { system: someSession, slot: 2, talkgroupId: 31003, active: prng.chance(1, 2), timeoutMinutes: 0, timeoutType: "none", on: [92], off: [4000], reset: [] },
      ],
    });
  }
  const options = routingOptions({
    hangTimeMs,
    uaTimerMinutes,
    maxStreamMs,
    singleModeDefault,
    subscriberAcl: globalDeny ? aclDenying([deniedRadios[0]!]) : aclOrThrow("PERMIT:ALL"),
    bridges,
    accessRules: {
      open: {},
      club: { ts1Static: [prng.pick(TALKGROUP_POOL)], ts2Static: [prng.pick(TALKGROUP_POOL), prng.pick(TALKGROUP_POOL)], uaTimerMinutes: prng.pick([null, 1]) },
      locked: { ts2Static: [prng.pick(TALKGROUP_POOL)], allowOptions: false, defaultReflector: prng.chance(1, 2) ? prng.pick(REFLECTOR_POOL) : 0 },
      acl: {
        subscriberAcl: aclDenying([deniedRadios[1]!]),
        talkgroupTs1Acl: aclOrThrow("DENY:1234,23500"),
        singleMode: prng.chance(1, 2),
      },
    },
  });
  const rules = ["open", "open", "club", "locked", "acl", null] as const;
  const sessions: SessionSpec[] = [];
  const sessionOptions: (string | null)[] = [];
  for (let i = 0; i < sessionCount; i++) {
    const simplex = prng.chance(1, 4);
    const radios: RadioSpec[] = [];
    const radioCount = prng.range(1, 3);
    for (let r = 0; r < radioCount; r++) radios.push({ radioId: firstRadio + 4 * i + r, session: i, slot: simplex ? prng.pick([1, 2] as const) : prng.pick([1, 2, 2] as const) });
    sessions.push({
      index: i,
      repeaterId: 234_000_000 + i * 100 + 1,
      callsign: `SIM${i}`,
      simplex,
      accessRule: prng.pick(rules),
      radios,
    });
    sessionOptions.push(randomOptionsText(prng, prng.chance(1, 5) ? `k${i}` : null));
  }
  const faults: FaultRates = prng.chance(1, 5)
    ? {
        lossPerMille: 0,
        duplicatePerMille: 0,
        reorderPerMille: 0,
        lateEntryPercent: 0,
        streamIdZeroPercent: 0,
        repeatedHeadersPercent: 0,
        dmrPlusHeadersPercent: 0,
        kerchunkPercent: 0,
        parrotRepeatPercent: prng.pick([0, 30]),
        dropSessionPercent: 0,
        optionsChangePercent: 0,
      }
    : {
        lossPerMille: prng.pick([0, 2, 10, 30]),
        duplicatePerMille: prng.pick([0, 5, 20]),
        reorderPerMille: prng.pick([0, 5, 20]),
        lateEntryPercent: prng.pick([0, 5, 15]),
        streamIdZeroPercent: prng.pick([0, 3, 10]),
        repeatedHeadersPercent: prng.pick([0, 10, 30]),
        dmrPlusHeadersPercent: prng.pick([0, 2, 10]),
        kerchunkPercent: prng.pick([0, 3]),
        parrotRepeatPercent: prng.pick([0, 30]),
        dropSessionPercent: prng.pick([0, 5, 15]),
        optionsChangePercent: prng.pick([0, 10]),
      };
  const description =
    `hang=${hangTimeMs} uaTimer=${uaTimerMinutes}min maxStream=${maxStreamMs} single=${singleModeDefault} bridges=${bridges.length} ` +
    `globalAclDeny=${globalDeny} faults=${JSON.stringify(faults)}`;
  return { options, sessions, faults, sessionOptions, description };
}

/** RPTO text in one of the forms hotspots send (hbp-and-dmr.md §1.5, freedmr-reference.md §1.9). */
export function randomOptionsText(prng: Prng, key: string | null): string | null {
  const tgs = (n: number) => Array.from({ length: n }, () => prng.pick(TALKGROUP_POOL));
  const keyPart = key === null ? "" : `KEY=${key};`;
  switch (prng.nextInt(6)) {
    case 0:
      return null;
    case 1:
      return `${keyPart}TS1=${tgs(prng.range(0, 2)).join(",")};TS2=${tgs(prng.range(1, 2)).join(",")};`;
    case 2:
      return `${keyPart}TS1_STATIC=${tgs(1).join(",")};TS2_STATIC=${tgs(prng.range(1, 3)).join(",")}`;
    case 3: {
      const ts1 = tgs(prng.range(0, 2)).map((tg, i) => `TS1_${i + 1}=${tg};`).join("");
      const ts2 = tgs(prng.range(1, 2)).map((tg, i) => `TS2_${i + 1}=${tg};`).join("");
      return `${keyPart}StartRef=${prng.pick(REFLECTOR_POOL)};RelinkTime=${prng.pick([1, 10, 60])};UserLink=1;${ts1}${ts2}`;
    }
    case 4:
      return (
        `${keyPart}DIAL=${prng.chance(1, 2) ? prng.pick(REFLECTOR_POOL) : 0};TIMER=${prng.pick([0, 1, 5])};SINGLE=${prng.pick([0, 1])};` +
        `VOICE=${prng.pick([0, 1])};LANG=en_GB;TS1=${tgs(1).join(",")};TS2=${tgs(prng.range(0, 2)).join(",")};`
      );
    default:
      return `${keyPart} TS2 = ${tgs(1).join(",")} ;TS1=;`;
  }
}

/** What a radio does next. */
export function pickPurpose(prng: Prng): CallPurpose {
  const r = prng.nextInt(100);
  if (r < 45) return "group";
  if (r < 57) return "reflector";
  if (r < 63) return "dial";
  if (r < 65) return "unlink";
  if (r < 66) return "status";
  if (r < 73) return "private";
  if (r < 77) return "parrot";
  if (r < 83) return "unitData";
  if (r < 86) return "groupData";
  return r < 90 ? "reserved" : "group";
}

/** One frame of a call as the workload will send it. */
export interface PlannedFrame {
  offsetMs: number;
  kind: SimFrameKind;
  bytes: Uint8Array;
  tag: number;
  sequence: number;
  streamId: number;
  finalBlock: boolean;
  blocksToFollow: number;
}

export const lcEncoder: LcPayloadEncoder = (out, kind, callType, sourceId, destinationId) => {
  const lc = new Uint8Array(9);
  // FLCO 0 group voice, 3 unit-to-unit (hbp-and-dmr.md §2.7)
  writeLc(lc, 0, 0, callType === CallType.Unit ? 3 : 0, 0, 0, destinationId, sourceId);
  encodeFullLc(lc, 0, kind === "header" ? RS_MASK_VOICE_HEADER : RS_MASK_TERMINATOR, out, 0);
};

export interface FrameContext {
  nextTag(): number;
  nextStreamId(): number;
  /** per (session, slot) sequence counter, advanced per frame */
  sequence: number;
}

/** The frames of a call, before faults. */
export function planFrames(prng: Prng, plan: CallPlan, repeaterId: number, voiceSuperframes: number, ctx: FrameContext): PlannedFrame[] {
  const frames: PlannedFrame[] = [];
  const callType = plan.callType === "unit" ? CallType.Unit : CallType.Group;
  const fields: FrameFields = {
    sequence: 0,
    sourceId: plan.radioId,
    destinationId: plan.destinationId,
    repeaterId,
    slot: plan.slot,
    callType,
    kind: SimFrameKind.Header,
    voiceIndex: 0,
    streamId: 0,
    tag: 0,
  };
  let offset = 0;
  const push = (kind: SimFrameKind, streamId: number, extra?: (bytes: Uint8Array) => void, finalBlock = false, blocksToFollow = 0, voiceIndex = 0, blockType?: DataType) => {
    const bytes = new Uint8Array(55);
    fields.kind = kind;
    fields.streamId = streamId;
    fields.sequence = ctx.sequence;
    fields.voiceIndex = voiceIndex;
    fields.tag = ctx.nextTag();
    fields.blockType = blockType;
    writeFrame(bytes, fields, lcEncoder);
    if (extra !== undefined) extra(bytes);
    frames.push({ offsetMs: offset, kind, bytes, tag: fields.tag, sequence: ctx.sequence, streamId, finalBlock, blocksToFollow });
    ctx.sequence = (ctx.sequence + 1) & 0xff;
  };
  if (plan.kind === "voice") {
    const sid = plan.faults.streamIdZero ? 0 : ctx.nextStreamId();
    if (plan.faults.dmrPlusHeaders) {
      for (let i = 0; i < 3; i++) {
        push(SimFrameKind.Header, i === 2 ? sid : ctx.nextStreamId());
        offset += 20;
      }
    } else {
      const headers = plan.faults.repeatedHeaders ? 3 : 1;
      for (let i = 0; i < headers; i++) {
        push(SimFrameKind.Header, sid);
        offset += plan.faults.repeatedHeaders ? 20 : 60;
      }
    }
    for (let sf = 0; sf < (plan.faults.kerchunk ? 0 : voiceSuperframes); sf++) {
      for (let v = 0; v < 6; v++) {
        push(SimFrameKind.Burst, sid, undefined, false, 0, v);
        offset += 60;
      }
    }
    push(SimFrameKind.Terminator, sid);
    return frames;
  }
  // Data: CSBK preambles (each its own stream id), a data header and its blocks (hbp-and-dmr.md §3.3).
  const group = plan.callType === "group";
  const preambles = prng.range(1, 3);
  const blocks = prng.range(1, 5);
  const blockType = prng.pick([DataType.Rate12Data, DataType.Rate34Data, DataType.Rate1Data]);
  for (let i = 0; i < preambles; i++) {
    const remaining = preambles - 1 - i + 1 + blocks;
    push(SimFrameKind.Csbk, ctx.nextStreamId(), (bytes) => {
      const b = new Uint8Array(12);
      b[0] = 0x80 | 0x3d; // last block, CSBKO preamble
      b[1] = 0;
      b[2] = 0x80 | (group ? 0x40 : 0); // data follows, group/individual
      b[3] = remaining & 0xff; // blocks to follow
      b[4] = (plan.destinationId >>> 16) & 0xff;
      b[5] = (plan.destinationId >>> 8) & 0xff;
      b[6] = plan.destinationId & 0xff;
      b[7] = (plan.radioId >>> 16) & 0xff;
      b[8] = (plan.radioId >>> 8) & 0xff;
      b[9] = plan.radioId & 0xff;
      encodeCsbkBlock(b, bytes, 20);
    });
    offset += 60;
  }
  const sid = ctx.nextStreamId();
  push(
    SimFrameKind.DataHeader,
    sid,
    (bytes) => {
      const b = new Uint8Array(12);
      b[0] = (group ? 0x80 : 0) | 2; // G/I, DPF unconfirmed
      b[1] = 0x40; // SAP 4 (IP)
      b[2] = (plan.destinationId >>> 16) & 0xff;
      b[3] = (plan.destinationId >>> 8) & 0xff;
      b[4] = plan.destinationId & 0xff;
      b[5] = (plan.radioId >>> 16) & 0xff;
      b[6] = (plan.radioId >>> 8) & 0xff;
      b[7] = plan.radioId & 0xff;
      b[8] = 0x80 | blocks; // full message, blocks to follow
      encodeDataHeaderBlock(b, bytes, 20);
    },
    false,
    blocks,
  );
  offset += 60;
  for (let i = 0; i < blocks; i++) {
    push(SimFrameKind.DataBlock, sid, undefined, i === blocks - 1, 0, 0, blockType);
    offset += 60;
  }
  return frames;
}

export function noFaults(): CallFaults {
  return { lateEntry: false, streamIdZero: false, repeatedHeaders: false, dmrPlusHeaders: false, kerchunk: false, lossy: false };
}
