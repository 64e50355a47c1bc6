/**
 * A RouterPort for the simulation: a hotspot session that records nothing itself — `emit` pushes
 * into the shared Outbox like a real HBP port would, and the simulation drains the outbox after
 * every router call, decoding what each port would have put on the wire.
 * @module
 */
import { Endpoint } from "../../src/core/endpoint.ts";
import type { Outbox } from "../../src/core/outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../src/core/router_port.ts";

export class SimPort implements RouterPort {
  readonly kind = PortKind.Hotspot;
  readonly endpoint: Endpoint;
  private readonly tx1 = new Uint8Array(55);
  private readonly tx2 = new Uint8Array(55);
  emitted = 0;

  constructor(
    readonly portIndex: number,
    readonly name: string,
    readonly repeaterId: number,
    readonly simplex: boolean,
    readonly callsign: string,
    readonly accessRule: string | null,
    /** index of the simulated session (stable across reconnects) */
    readonly sessionIndex: number,
    /** how many times this session has come up before (0 = first login) */
    readonly incarnation: number,
  ) {
    // socketIndex 0, the session index as "address" is enough to find the port again.
    this.endpoint = new Endpoint(0, `sim-${sessionIndex}`, portIndex);
  }

  txBuffer(slot: Slot): Uint8Array {
    return slot === 1 ? this.tx1 : this.tx2;
  }

  emit(_nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    this.emitted++;
    outbox.push(this.endpoint, frame, 55);
  }
}
