/** Drives an HbpMaster directly: fake time, an Outbox we read back, recorded events. */
import { createHash } from "node:crypto";
import { PERMIT_ALL } from "../../../src/core/acl.ts";
import { RecordingSink } from "../../../src/core/events.ts";
import { HbpMaster } from "../../../src/core/hbp_master/hbp_master.ts";
import { defaultHbpMasterOptions, type HbpMasterOptions } from "../../../src/core/hbp_master/options.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import type { FrameRouter } from "../../../src/core/router_contract.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { readUint32, writeUint32 } from "../../../src/wire/dmrd.ts";
import { encodeRptc } from "../../../src/wire/rptc.ts";
import { RecordingRouter } from "../../support/test_server.ts";

export interface Sent {
  tag: string;
  bytes: Uint8Array;
  socketIndex: number;
  address: string;
  port: number;
}

const enc = new TextEncoder();

export class Harness {
  nowMs = 1_000;
  readonly outbox: Outbox;
  readonly events = new RecordingSink();
  readonly router: FrameRouter;
  readonly master: HbpMaster;
  readonly sent: Sent[] = [];

  constructor(options: Partial<HbpMasterOptions> = {}, router: FrameRouter = new RecordingRouter(), outboxCapacity = 1024, saltSecret?: Uint8Array) {
    this.outbox = new Outbox(outboxCapacity);
    this.router = router;
    this.master = new HbpMaster(defaultHbpMasterOptions({ registrationAcl: PERMIT_ALL, loginRateLimitPerMinute: 0, ...options }), {
      router,
      outbox: this.outbox,
      events: this.events,
      prng: new Prng(42),
      ...(saltSecret !== undefined ? { saltSecret } : {}),
    });
  }

  get recording(): RecordingRouter {
    return this.router as RecordingRouter;
  }

  drain(): Sent[] {
    const out: Sent[] = [];
    for (let i = 0; i < this.outbox.count; i++) {
      const e = this.outbox.endpoints[i]!;
      const bytes = this.outbox.buffers[i]!.slice(0, this.outbox.lengths[i]!);
      let tag = "";
      for (const t of ["MSTPONG", "RPTACK", "MSTNAK", "MSTCL", "DMRD"]) if (String.fromCharCode(...bytes.subarray(0, t.length)) === t) { tag = t; break; }
      out.push({ tag, bytes, socketIndex: e.socketIndex, address: e.address, port: e.port });
    }
    this.outbox.clear();
    this.sent.push(...out);
    return out;
  }

  /** Deliver a datagram and return what the master queued in reply. */
  recv(bytes: Uint8Array, port = 50000, address = "::ffff:192.0.2.1", socketIndex = 0): Sent[] {
    this.master.onDatagram(this.nowMs, socketIndex, address, port, bytes);
    return this.drain();
  }

  tick(advanceMs: number): Sent[] {
    this.nowMs += advanceMs;
    this.master.onTick(this.nowMs);
    return this.drain();
  }

  /** Full login; returns the salt. Throws if any step is not acknowledged. */
  login(id: number, opts: { port?: number; address?: string; passphrase?: string; callsign?: string; options?: string } = {}): number {
    const port = opts.port ?? 50000;
    const address = opts.address ?? "::ffff:192.0.2.1";
    const r1 = this.recv(msg("RPTL", id), port, address);
    if (r1[0]?.tag !== "RPTACK") throw new Error(`RPTL not acked: ${r1[0]?.tag}`);
    const salt = readUint32(r1[0].bytes, 6);
    const r2 = this.recv(rptk(id, salt, opts.passphrase ?? "passw0rd"), port, address);
    if (r2[0]?.tag !== "RPTACK") throw new Error(`RPTK not acked: ${r2[0]?.tag}`);
    const r3 = this.recv(encodeRptc({ repeaterId: id, callsign: opts.callsign ?? "N0CALL" }), port, address);
    if (r3[0]?.tag !== "RPTACK") throw new Error(`RPTC not acked: ${r3[0]?.tag}`);
    if (opts.options !== undefined) this.recv(rpto(id, opts.options), port, address);
    return salt;
  }
}

export function msg(tag: string, id: number, extra = 0): Uint8Array {
  const out = new Uint8Array(tag.length + 4 + extra);
  out.set(enc.encode(tag), 0);
  writeUint32(out, tag.length, id);
  return out;
}

export function rptk(id: number, salt: number, passphrase: string): Uint8Array {
  const out = msg("RPTK", id, 32);
  const s = new Uint8Array(4);
  writeUint32(s, 0, salt);
  out.set(createHash("sha256").update(s).update(enc.encode(passphrase)).digest(), 8);
  return out;
}

export function rpto(id: number, text: string): Uint8Array {
  const body = enc.encode(text);
  const out = msg("RPTO", id, body.length);
  out.set(body, 8);
  return out;
}

export function dmrd(id: number, opts: { sourceId?: number; destinationId?: number; flags?: number; length?: number } = {}): Uint8Array {
  const out = new Uint8Array(opts.length ?? 55);
  out.set(enc.encode("DMRD"), 0);
  out[5] = ((opts.sourceId ?? 2345001) >>> 16) & 0xff;
  out[6] = ((opts.sourceId ?? 2345001) >>> 8) & 0xff;
  out[7] = (opts.sourceId ?? 2345001) & 0xff;
  out[10] = opts.destinationId ?? 91;
  writeUint32(out, 11, id);
  out[15] = opts.flags ?? 0xa1;
  writeUint32(out, 16, 0x01020304);
  return out;
}
