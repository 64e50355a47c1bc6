/**
 * A map from port index to an object, for the services Worker's per-hotspot tables: the core hands
 * out port indexes densely from 0 and reuses freed ones (core/hbp_master/port_index_pool.ts), so an
 * array slot per index (8 bytes) holds what a NumberMap entry (~35 bytes) or a Map entry (~65) would.
 * Indexes beyond DENSE_PORTS (or negative) — never from the core's pool in practice — go to a
 * NumberMap, so a stray index cannot make the array huge.
 * @module
 */
import { NumberMap } from "../lib/number_map.ts";

/** Ports kept in the array (512 KiB of slots at most). */
export const DENSE_PORTS = 65_536;

export class PortMap<V extends object> {
  readonly #slots: (V | undefined)[] = [];
  #far: NumberMap<V> | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(portIndex: number): V | undefined {
    if (isDense(portIndex)) return this.#slots[portIndex];
    return this.#far?.get(portIndex);
  }

  has(portIndex: number): boolean {
    return this.get(portIndex) !== undefined;
  }

  set(portIndex: number, value: V): void {
    if (!isDense(portIndex)) {
      const far = (this.#far ??= new NumberMap<V>());
      if (!far.has(portIndex)) this.#size++;
      far.set(portIndex, value);
      return;
    }
    const slots = this.#slots;
    // grow by pushing, so the array stays contiguous (never a sparse one)
    while (slots.length < portIndex) slots.push(undefined);
    if (slots[portIndex] === undefined) this.#size++;
    slots[portIndex] = value;
  }

  delete(portIndex: number): boolean {
    if (!isDense(portIndex)) {
      const deleted = this.#far?.delete(portIndex) ?? false;
      if (deleted) this.#size--;
      return deleted;
    }
    if (this.#slots[portIndex] === undefined) return false;
    this.#slots[portIndex] = undefined;
    this.#size--;
    return true;
  }

  *values(): IterableIterator<V> {
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const value = slots[i];
      if (value !== undefined) yield value;
    }
    if (this.#far !== null) yield* this.#far.values();
  }
}

function isDense(portIndex: number): boolean {
  return Number.isInteger(portIndex) && portIndex >= 0 && portIndex < DENSE_PORTS;
}
