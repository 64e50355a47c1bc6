/**
 * The packet thread's side of admin actions and self-care: a bounded queue of ControlCommands
 * (from the services Worker) applied to the core on the shell's tick — between datagrams, with the
 * outbox drained right after — each answered once with a ControlResult.
 *
 * Self-care credentials are checked here, against the one repeater id the command names: its
 * options KEY (held by the router) or the secret the sysop issued for it ([http] hotspot_secrets).
 * A credential for one hotspot can therefore never change another's settings.
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { ControlCommand, ControlResult, HotspotInspection } from "../core/control_command.ts";
import { redactOptionKey } from "../lib/option_key.ts";
import type { HbpMaster } from "../core/hbp_master/hbp_master.ts";
import type { FrameRouter } from "../core/router_contract.ts";
import type { Router } from "../core/routing/types.ts";
import type { Tickable } from "./udp/udp_host.ts";

/** Commands waiting at most; more are answered "busy" at once. */
export const CONTROL_QUEUE_CAPACITY = 64;
/** Commands applied per tick at most (the rest wait for the next tick). */
const COMMANDS_PER_TICK = 16;

export interface ControlTargets {
  readonly hbp: HbpMaster | null;
  readonly router: FrameRouter;
  /** Self-care on ([http] self_care). */
  readonly selfCare: boolean;
  /** Per-hotspot secrets the sysop issued, by repeater id. */
  readonly secrets: ReadonlyMap<number, string>;
  /** Audit: every command that changed something or was refused for its credential (never the credential itself). */
  readonly audit?: (entry: { command: string; repeaterId: number | null; streamId: number | null; ok: boolean; code: string | null }) => void;
}

type Reply = (result: ControlResult) => void;

interface Pending {
  command: ControlCommand;
  reply: Reply;
}

/** The optional Router methods (the NullRouter has none of them). */
type RouterControl = Partial<Router>;

/** Reloads the config (src/cli/serve.ts sets it once the server runs); answers like a command. */
export type Reloader = () => Promise<ControlResult>;

export class ControlQueue implements Tickable {
  readonly #queue: Pending[] = [];
  readonly counters = { received: 0, applied: 0, refusedBusy: 0, failed: 0 };
  targets: ControlTargets;
  #reloader: Reloader | null = null;
  /** Called when a command is queued (the host switches to its fast tick: applied within ~25 ms). */
  onSubmit: (() => void) | null = null;

  constructor(targets: ControlTargets) {
    this.targets = targets;
  }

  /** Reload: new [http] self_care and hotspot_secrets (the next command uses them). */
  reconfigure(selfCare: boolean, secrets: ReadonlyMap<number, string>): void {
    this.targets = { ...this.targets, selfCare, secrets };
  }

  /** Who answers the admin "reload" command (null: "not-supported"). */
  setReloader(reloader: Reloader | null): void {
    this.#reloader = reloader;
  }

  /** Queue a command; answered on a later tick (or at once with "busy" when the queue is full). */
  submit(command: ControlCommand, reply: Reply): void {
    this.counters.received++;
    if (this.#queue.length >= CONTROL_QUEUE_CAPACITY) {
      this.counters.refusedBusy++;
      reply({ ok: false, code: "busy", message: "too many commands waiting; try again" });
      return;
    }
    this.#queue.push({ command, reply });
    this.onSubmit?.();
  }

  /** Commands waiting: the host keeps its fast tick until they are applied. */
  wantsFastTick(): boolean {
    return this.#queue.length > 0;
  }

  get pending(): number {
    return this.#queue.length;
  }

  onTick(nowMs: number): void {
    for (let n = 0; n < COMMANDS_PER_TICK && this.#queue.length > 0; n++) {
      const { command, reply } = this.#queue.shift()!;
      if (command.kind === "reload" && this.#reloader !== null) {
        // Asynchronous (the config file is read again): answered when it is done.
        this.counters.applied++;
        this.#reloader().then(
          (result) => safeReply(reply, result),
          (error: unknown) => safeReply(reply, { ok: false, code: "unavailable", message: `the reload failed: ${error instanceof Error ? error.message : String(error)}` }),
        );
        continue;
      }
      let result: ControlResult;
      try {
        result = this.apply(nowMs, command);
        this.counters.applied++;
      } catch (error) {
        this.counters.failed++;
        result = { ok: false, code: "unavailable", message: `the command failed: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (command.kind !== "inspect" && this.targets.audit !== undefined) {
        try {
          this.targets.audit({
            command: command.kind,
            repeaterId: "repeaterId" in command ? command.repeaterId : null,
            streamId: command.kind === "drop-call" ? command.streamId : null,
            ok: result.ok,
            code: result.ok ? null : result.code,
          });
        } catch {
          // a logging failure must not lose the reply
        }
      }
      try {
        reply(result);
      } catch {
        // the reply channel is gone (Worker restarted): nothing to tell
      }
    }
  }

  /** Apply one command now (exported for tests). */
  apply(nowMs: number, command: ControlCommand): ControlResult {
    const router = this.targets.router as RouterControl;
    switch (command.kind) {
      case "kick": {
        if (this.targets.hbp === null) return { ok: false, code: "not-supported", message: "the HBP master is disabled" };
        return this.targets.hbp.kick(nowMs, command.repeaterId) ? { ok: true } : notFound(command.repeaterId);
      }
      case "drop-call": {
        if (router.dropCall === undefined) return { ok: false, code: "not-supported", message: "this router cannot drop calls" };
        return router.dropCall(nowMs, command.streamId, command.portIndex)
          ? { ok: true }
          : { ok: false, code: "not-found", message: `no call in progress with stream id ${command.streamId}` };
      }
      case "clear-dynamic": {
        const port = router.hotspotPortOf?.(command.repeaterId) ?? null;
        if (port === null || router.resetPort === undefined) return notFound(command.repeaterId);
        router.resetPort(nowMs, port);
        return { ok: true };
      }
      case "reload":
        return { ok: false, code: "not-supported", message: "config reload is not available in this version; restart the server" };
      case "set-settings": {
        if (!this.targets.selfCare) return { ok: false, code: "forbidden", message: "self-care is switched off on this server (http.self_care)" };
        if (router.setHotspotSettings === undefined) return { ok: false, code: "not-supported", message: "this router has no self-care settings" };
        if (!this.#authenticated(command.repeaterId, command.credential)) {
          return { ok: false, code: "unauthorized", message: "the credential is not this hotspot's options KEY nor its issued secret" };
        }
        if (router.optionsAllowedFor?.(command.repeaterId) === false) {
          return { ok: false, code: "forbidden", message: "this hotspot's access rule does not allow it to change its subscriptions" };
        }
        if (!router.setHotspotSettings(nowMs, command.repeaterId, command.settings)) {
          return { ok: false, code: "busy", message: "the settings table is full" };
        }
        return { ok: true, data: { connected: router.hotspotPortOf?.(command.repeaterId) != null } };
      }
      case "inspect":
        return { ok: true, data: this.#inspect(nowMs, command.repeaterId) };
    }
  }

  #authenticated(repeaterId: number, credential: string): boolean {
    if (credential.length === 0 || credential.length > 256) return false;
    const secret = this.targets.secrets.get(repeaterId);
    if (secret !== undefined && equalText(secret, credential)) return true;
    const router = this.targets.router as RouterControl;
    return router.optionKeyMatches?.(repeaterId, credential) === true;
  }

  #inspect(nowMs: number, repeaterId: number): HotspotInspection {
    const router = this.targets.router as RouterControl;
    const port = router.hotspotPortOf?.(repeaterId) ?? null;
    const session = this.targets.hbp?.session(repeaterId);
    const subscriptions = port !== null && router.subscriptions !== undefined ? router.subscriptions(port) : [];
    return {
      repeaterId,
      connected: port !== null,
      portIndex: port?.portIndex ?? null,
      // the options in force: as received this session, else as restored after a restart
      options: session?.options != null ? redactOptionKey(session.options) : (port !== null ? nonEmpty(router.optionsInForce?.(port)) : null),
      subscriptions: subscriptions.map((s) => ({
        slot: s.slot,
        talkgroupId: s.talkgroupId,
        conference: s.conference,
        kind: s.kind,
        active: s.active,
        expiresInSeconds: s.expiresAtMs === null ? null : Math.max(0, Math.round((s.expiresAtMs - nowMs) / 1000)),
      })),
      dialedReflector: port !== null && router.dialedReflector !== undefined ? router.dialedReflector(port) : 0,
      settings: router.hotspotSettings?.(repeaterId) ?? { ts1Static: null, ts2Static: null, defaultReflector: null, uaTimerMinutes: null, singleMode: null, language: null },
      selfCare: {
        keySet: router.hasOptionKey?.(repeaterId) === true,
        secretIssued: this.targets.secrets.has(repeaterId),
      },
    };
  }
}

function notFound(repeaterId: number): ControlResult {
  return { ok: false, code: "not-found", message: `hotspot ${repeaterId} is not connected` };
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text === "" ? null : redactOptionKey(text);
}

function safeReply(reply: Reply, result: ControlResult): void {
  try {
    reply(result);
  } catch {
    // the reply channel is gone (Worker restarted): nothing to tell
  }
}
