/**
 * Recent refusals per device, for "why can't I hear anything?": per hotspot (by repeater id —
 * including ids that never logged in, which is where login failures land) and per link (by name).
 * Each device keeps one entry per reason (up to `perDevice` reasons), most recent first: a refusal
 * whose reason is already there bumps that entry's count, time and details and moves it to the
 * front (a flood of one mistake is one entry, with its exact count). Devices are capped: beyond the cap the least recently refused device is forgotten
 * (counted in `evicted`).
 * @module
 */

export interface DeviceRefusal {
  /** Last time, wall clock ISO. */
  time: string;
  /** First time of this reason (since the entry was created). */
  firstTime: string;
  /** How many refusals this entry stands for. */
  count: number;
  /** e.g. "session.refused:bad-passphrase", "link.refused:wrong-network-id". */
  reason: string;
  /** The explained log line of the latest one (ids and what to change). */
  message: string;
  /** What to change, when something can be changed. */
  fix: string | null;
  /** The ids of the latest one (repeater id, source, talkgroup, address …). */
  details: Record<string, unknown>;
}

export interface RefusalBookOptions {
  /** Entries kept per device (default 20). */
  perDevice?: number;
  /** Devices kept (default 4096). */
  maxDevices?: number;
  /**
   * Devices not to forget while others can be (e.g. connected hotspots, so that a flood of
   * made-up ids does not push their entries out).
   */
  protect?: (device: string | number) => boolean;
}

/** How far past the least recently refused device eviction looks for one that is not protected. */
const EVICTION_SCAN = 64;

export class RefusalBook<K extends string | number> {
  readonly perDevice: number;
  readonly maxDevices: number;
  /** Devices forgotten because the book was full. */
  evicted = 0;
  /** Refusals recorded, exact (sum of counts). */
  recorded = 0;
  /** Newest first per device; Map order = least recently refused first. */
  readonly #devices = new Map<K, DeviceRefusal[]>();
  readonly #protect: ((device: string | number) => boolean) | null;

  constructor(options: RefusalBookOptions = {}) {
    this.perDevice = Math.max(1, options.perDevice ?? 20);
    this.maxDevices = Math.max(1, options.maxDevices ?? 4096);
    this.#protect = options.protect ?? null;
  }

  record(device: K, wallMs: number, reason: string, message: string, fix: string | null, details: Record<string, unknown>, count = 1): void {
    this.recorded += count;
    const time = new Date(wallMs).toISOString();
    let list = this.#devices.get(device);
    if (list === undefined) {
      if (this.#devices.size >= this.maxDevices) {
        this.#devices.delete(this.#victim());
        this.evicted++;
      }
      list = [];
    } else {
      this.#devices.delete(device); // re-inserted below: most recently refused last
    }
    this.#devices.set(device, list);
    const index = list.findIndex((e) => e.reason === reason);
    if (index >= 0) {
      const entry = list[index]!;
      entry.count += count;
      entry.time = time;
      entry.message = message;
      entry.fix = fix;
      entry.details = details;
      if (index > 0) {
        list.splice(index, 1);
        list.unshift(entry);
      }
      return;
    }
    list.unshift({ time, firstTime: time, count, reason, message, fix, details });
    if (list.length > this.perDevice) list.length = this.perDevice;
  }

  /** The least recently refused device that is not protected (within EVICTION_SCAN), else the least recently refused. */
  #victim(): K {
    let first: K | undefined;
    let scanned = 0;
    for (const device of this.#devices.keys()) {
      first ??= device;
      if (this.#protect === null || !this.#protect(device)) return device;
      if (++scanned >= EVICTION_SCAN) break;
    }
    return first!;
  }

  /** Newest first (copies); empty when the device has none. */
  list(device: K, limit = this.perDevice): DeviceRefusal[] {
    return (this.#devices.get(device) ?? []).slice(0, Math.max(0, limit)).map((e) => ({ ...e, details: { ...e.details } }));
  }

  get deviceCount(): number {
    return this.#devices.size;
  }
}
