/**
 * Restore on login: when a hotspot logs in, its record is fetched from a state store
 * (`DynamicStateStore.fetchHotspot`, src/services/store/dynamic_state_store.ts) and imported into
 * the router as a start-up restore does (`importState`: KEY lock, self-care settings, options,
 * user-activated talkgroups with the time they have left, dial link, scheduled relink). The same
 * code for any store; the cluster uses it with its JetStream KV store (a hotspot may come from
 * another node), a single node restores everything at start-up instead (state_journal.ts
 * `restoreState`).
 *
 * Fed by the core's events on the bus (session.up / session.down / options.applied), never on the
 * packet path. The hotspot's own RPTO, when it sent one before the record arrived, wins over the
 * stored options. A hotspot is *settled* once its restore is done (whatever it found): only then
 * may its record be written back (a record written before the fetch would replace what it had).
 * @module
 */
import type { EventBus } from "../bus/event_bus.ts";
import type { CoreEvent } from "../core/events.ts";
import type { RouterPort } from "../core/router_port.ts";
import type { ImportResult, StateSnapshot } from "../core/routing/state_records.ts";
import type { DynamicStateStore } from "../services/store/dynamic_state_store.ts";
import { monotonicMs } from "./clock.ts";
import type { Logger } from "./log.ts";

export interface LoginRestoreRouter {
  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number): ImportResult;
  hotspotPortOf(repeaterId: number): RouterPort | null;
}

export interface LoginRestoreDeps {
  readonly store: Pick<DynamicStateStore, "fetchHotspot">;
  /** Whether the store can be read now (when it becomes so, call `restoreAll`). */
  readonly ready: () => boolean;
  readonly router: LoginRestoreRouter;
  readonly bus: EventBus<CoreEvent>;
  /** send what the router queued (UdpHost.drain) */
  readonly drainOutbox: () => void;
  readonly log: Logger;
  /** bus service name (unique) */
  readonly name: string;
  /** log lines: "<label>: hotspot state restored from <source>" */
  readonly label: string;
  readonly source: string;
  /** A hotspot's restore is done (imported or not) and it is still logged in here. */
  readonly onSettled?: (repeaterId: number) => void;
}

export interface LoginRestoreStats {
  restored: number;
  failures: number;
}

const MAX_TRACKED = 100_000;

export class LoginRestore {
  readonly #d: LoginRestoreDeps;
  /** local hotspot ports: port index → repeater id */
  readonly #ports = new Map<number, number>();
  /** repeater ids logged in here → how many ports (the values of #ports; a re-login may overlap) */
  readonly #local = new Map<number, number>();
  readonly #restoring = new Set<number>();
  readonly #settled = new Set<number>();
  /** repeaters whose own RPTO arrived since login (outside a restore) */
  readonly #sentOptions = new Set<number>();
  #unregister: (() => void) | null;
  readonly stats: LoginRestoreStats = { restored: 0, failures: 0 };

  constructor(deps: LoginRestoreDeps) {
    this.#d = deps;
    this.#unregister = deps.bus.register(deps.name, (event) => this.#onEvent(event), {
      queueCapacity: 16_384,
      filter: (e) => {
        const t = (e as CoreEvent).type;
        return t === "session.up" || t === "session.down" || t === "options.applied";
      },
    });
  }

  /** Logged in here and restored (its record may be written). */
  isSettled(repeaterId: number): boolean {
    return this.#settled.has(repeaterId);
  }

  /** The store just became readable: restore every hotspot logged in meanwhile. */
  restoreAll(): void {
    for (const repeaterId of this.#ports.values()) if (!this.#settled.has(repeaterId)) void this.restore(repeaterId);
  }

  #onEvent(event: CoreEvent): void {
    switch (event.type) {
      case "session.up":
        if (this.#ports.size < MAX_TRACKED) {
          const before = this.#ports.get(event.portIndex);
          if (before !== undefined) this.#forget(before);
          this.#ports.set(event.portIndex, event.repeaterId);
          this.#local.set(event.repeaterId, (this.#local.get(event.repeaterId) ?? 0) + 1);
        }
        this.#settled.delete(event.repeaterId);
        this.#sentOptions.delete(event.repeaterId);
        if (this.#d.ready()) void this.restore(event.repeaterId);
        break;
      case "session.down":
        if (this.#ports.get(event.portIndex) === event.repeaterId) {
          this.#ports.delete(event.portIndex);
          if (this.#forget(event.repeaterId)) break; // still logged in on its newer port
        }
        this.#settled.delete(event.repeaterId);
        this.#sentOptions.delete(event.repeaterId);
        break;
      case "options.applied": {
        const repeaterId = this.#ports.get(event.portIndex);
        if (repeaterId !== undefined && !this.#restoring.has(repeaterId)) this.#sentOptions.add(repeaterId);
        break;
      }
      default:
        break;
    }
  }

  /** One port of the repeater went; true when it is still logged in on another. */
  #forget(repeaterId: number): boolean {
    const n = (this.#local.get(repeaterId) ?? 1) - 1;
    if (n > 0) {
      this.#local.set(repeaterId, n);
      return true;
    }
    this.#local.delete(repeaterId);
    return false;
  }

  /** Fetch and import one hotspot's record (it logged in here). */
  async restore(repeaterId: number): Promise<void> {
    if (this.#restoring.has(repeaterId)) return;
    this.#restoring.add(repeaterId);
    const { router, label, source, log } = this.#d;
    try {
      let record = await this.#d.store.fetchHotspot(repeaterId);
      if (record === null || router.hotspotPortOf(repeaterId) === null) return;
      // the hotspot's own RPTO, already applied here, wins over the options it had before
      if (record.session !== null && this.#sentOptions.has(repeaterId)) record = { ...record, session: { ...record.session, options: "" } };
      const result = router.importState({ hotspots: [record], subscribers: [] }, monotonicMs(), Date.now());
      this.stats.restored++;
      this.#d.drainOutbox();
      log.info(
        { repeaterId, dynamic: record.session?.dynamic.length ?? 0, dial: record.session?.dial?.reflector ?? 0, applied: result.pending },
        `${label}: hotspot state restored from ${source}`,
      );
    } catch (error) {
      this.stats.failures++;
      log.warn({ err: error, repeaterId }, `${label}: could not restore a hotspot's state from ${source}`);
    } finally {
      this.#restoring.delete(repeaterId);
      if (this.#local.has(repeaterId) && router.hotspotPortOf(repeaterId) !== null) {
        if (this.#settled.size < MAX_TRACKED) this.#settled.add(repeaterId);
        this.#d.onSettled?.(repeaterId);
      }
    }
  }

  stop(): void {
    this.#unregister?.();
    this.#unregister = null;
  }
}
