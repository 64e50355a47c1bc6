/**
 * Recent refusals per device, for "why can't I hear anything?": per hotspot (by repeater id —
 * including ids that never logged in, which is where login failures land) and per link (by name).
 * Each device keeps a small ring, newest first; a refusal with the same reason as the device's
 * newest entry only bumps that entry's count and time (a flood of one mistake is one entry, with its
 * exact count). Devices are capped: beyond the cap the least recently refused device is forgotten
 * (counted in `evicted`).
 * @module
 */

export interface DeviceRefusal {
  /** Last time, wall clock ISO. */
  time: string;
  /** First time of this run of the same reason. */
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
}

export class RefusalBook<K extends string | number> {
  readonly perDevice: number;
  readonly maxDevices: number;
  /** Devices forgotten because the book was full. */
  evicted = 0;
  /** Refusals recorded, exact (sum of counts). */
  recorded = 0;
  /** Newest first per device; Map order = least recently refused first. */
  readonly #devices = new Map<K, DeviceRefusal[]>();

  constructor(options: RefusalBookOptions = {}) {
    this.perDevice = Math.max(1, options.perDevice ?? 20);
    this.maxDevices = Math.max(1, options.maxDevices ?? 4096);
  }

  record(device: K, wallMs: number, reason: string, message: string, fix: string | null, details: Record<string, unknown>, count = 1): void {
    this.recorded += count;
    const time = new Date(wallMs).toISOString();
    let list = this.#devices.get(device);
    if (list === undefined) {
      if (this.#devices.size >= this.maxDevices) {
        const oldest = this.#devices.keys().next().value as K;
        this.#devices.delete(oldest);
        this.evicted++;
      }
      list = [];
    } else {
      this.#devices.delete(device); // re-inserted below: most recently refused last
    }
    this.#devices.set(device, list);
    const newest = list[0];
    if (newest !== undefined && newest.reason === reason) {
      newest.count += count;
      newest.time = time;
      newest.message = message;
      newest.fix = fix;
      newest.details = details;
      return;
    }
    list.unshift({ time, firstTime: time, count, reason, message, fix, details });
    if (list.length > this.perDevice) list.length = this.perDevice;
  }

  /** Newest first (copies); empty when the device has none. */
  list(device: K, limit = this.perDevice): DeviceRefusal[] {
    return (this.#devices.get(device) ?? []).slice(0, Math.max(0, limit)).map((e) => ({ ...e, details: { ...e.details } }));
  }

  get deviceCount(): number {
    return this.#devices.size;
  }
}
