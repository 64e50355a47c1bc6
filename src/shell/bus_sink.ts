/**
 * The core's EventSink, backed by the bus: `publish` enqueues and returns at once (delivery to
 * services happens later, off the packet path).
 * @module
 */
import type { EventBus } from "../bus/event_bus.ts";
import type { CoreEvent, EventSink } from "../core/events.ts";

export class BusEventSink implements EventSink {
  constructor(readonly bus: EventBus<CoreEvent>) {}

  publish(event: CoreEvent): void {
    this.bus.publish(event);
  }
}
