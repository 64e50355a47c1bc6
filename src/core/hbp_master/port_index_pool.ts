/**
 * Dense port indexes for RouterPorts (router_port.ts: "unique among live ports; reused after the
 * port goes away"). Every kind of port (HBP sessions, upstream links, OpenBridge links, internal
 * generators) must draw from ONE pool so indexes never collide; the server assembly creates it
 * and hands it to every handler. Freed indexes are reused lowest-first-out of a stack, so the
 * router's per-port arrays stay as small as the peak number of live ports.
 * @module
 */
import { assert } from "../../lib/assert.ts";

export interface PortIndexAllocator {
  acquire(): number;
  release(portIndex: number): void;
}

export class PortIndexPool implements PortIndexAllocator {
  #free: number[] = [];
  #next = 0;
  #live = 0;

  acquire(): number {
    this.#live++;
    const reused = this.#free.pop();
    return reused ?? this.#next++;
  }

  release(portIndex: number): void {
    assert(portIndex >= 0 && portIndex < this.#next, "PortIndexPool.release: index was never acquired");
    assert(this.#live > 0, "PortIndexPool.release: nothing is live");
    this.#live--;
    this.#free.push(portIndex);
  }

  /** Live indexes. */
  get live(): number {
    return this.#live;
  }

  /** One past the highest index ever handed out (size for per-port arrays). */
  get highWater(): number {
    return this.#next;
  }
}
