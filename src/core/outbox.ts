/**
 * Bounded queue of datagrams the core wants sent. The core pushes; the shell drains it after every
 * core entry point (onDatagram, onTick) and sends each entry from `endpoint.socketIndex`. Storage
 * is allocated once; a full outbox drops and counts (never grows).
 *
 * A buffer pushed here must stay unchanged until the shell has drained the outbox, which happens
 * synchronously after the current core call returns. Owners therefore keep one egress buffer per
 * (port, slot) and reuse it from packet to packet.
 * @module
 */
import { assert } from "../lib/assert.ts";
import type { Endpoint } from "./endpoint.ts";

export class Outbox {
  readonly capacity: number;
  readonly endpoints: (Endpoint | null)[];
  readonly buffers: (Uint8Array | null)[];
  readonly lengths: Int32Array;
  count = 0;
  dropped = 0;
  /** Drains so far (clear() calls): lets owners of shared reply buffers know which are free again. */
  clears = 0;

  constructor(capacity: number) {
    assert(capacity > 0, "Outbox capacity must be positive");
    this.capacity = capacity;
    this.endpoints = new Array<Endpoint | null>(capacity).fill(null);
    this.buffers = new Array<Uint8Array | null>(capacity).fill(null);
    this.lengths = new Int32Array(capacity);
  }

  push(endpoint: Endpoint, bytes: Uint8Array, length: number): boolean {
    if (this.count === this.capacity) {
      this.dropped++;
      return false;
    }
    assert(length > 0 && length <= bytes.length, "Outbox.push length out of range");
    const i = this.count++;
    this.endpoints[i] = endpoint;
    this.buffers[i] = bytes;
    this.lengths[i] = length;
    return true;
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.endpoints[i] = null;
      this.buffers[i] = null;
    }
    this.count = 0;
    this.clears++;
  }
}
