/**
 * The bounded event bus: how out-of-band services (event logging, metrics, reporting, dashboards)
 * hear what the packet plane did, without ever slowing it down.
 *
 * - Services register under a unique name; a second registration under a taken name throws an
 *   error that names the service (the caller logs it loudly and refuses to start that service).
 * - `publish` only enqueues: each subscriber has its own bounded ring; when it is full the event is
 *   dropped and counted for that subscriber. Publishing never calls a handler synchronously.
 * - Delivery happens later (setImmediate), in batches with a per-turn budget, so a burst of events
 *   cannot monopolise the event loop either.
 * - A handler that throws or whose promise rejects is counted and isolated; other subscribers and
 *   later events are unaffected. An async handler gets at most one delivery in flight: while it is
 *   pending, its queue fills up and then drops (counted) — a slow consumer loses events, it never
 *   holds up anything else.
 * @module
 */

export type BusHandler<E> = (event: E) => void | Promise<void>;

export interface RegisterOptions {
  /** Events that may wait for this subscriber (default 1024). */
  queueCapacity?: number;
  /** Only events for which this returns true are queued (default: all). */
  filter?: (event: unknown) => boolean;
}

export interface SubscriberStats {
  name: string;
  queued: number;
  delivered: number;
  dropped: number;
  failed: number;
  inFlight: boolean;
  lastError: string | null;
}

export interface BusStats {
  published: number;
  subscribers: SubscriberStats[];
}

export class DuplicateServiceError extends Error {
  override name = "DuplicateServiceError";
  constructor(readonly serviceName: string) {
    super(`event bus: a service named "${serviceName}" is already registered; refusing the second registration`);
  }
}

class Subscriber<E> {
  readonly ring: (E | undefined)[];
  head = 0;
  size = 0;
  delivered = 0;
  dropped = 0;
  failed = 0;
  inFlight = false;
  lastError: string | null = null;
  closed = false;

  constructor(
    readonly name: string,
    readonly handler: BusHandler<E>,
    readonly capacity: number,
    readonly filter: ((event: unknown) => boolean) | null,
  ) {
    this.ring = new Array<E | undefined>(capacity).fill(undefined);
  }

  offer(event: E): void {
    if (this.size === this.capacity) {
      this.dropped++;
      return;
    }
    this.ring[(this.head + this.size) % this.capacity] = event;
    this.size++;
  }

  take(): E {
    const event = this.ring[this.head] as E;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return event;
  }
}

export interface EventBusOptions {
  /** Events delivered per event-loop turn across all subscribers (default 512). */
  deliveryBudgetPerTurn?: number;
  /** Called when a handler fails (for the caller's logger); must not throw. */
  onHandlerError?: (serviceName: string, error: unknown) => void;
}

export class EventBus<E = unknown> {
  readonly #subscribers: Subscriber<E>[] = [];
  readonly #byName = new Map<string, Subscriber<E>>();
  readonly #budget: number;
  readonly #onHandlerError: (serviceName: string, error: unknown) => void;
  #scheduled = false;
  #cursor = 0;
  #published = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: EventBusOptions = {}) {
    this.#budget = Math.max(1, options.deliveryBudgetPerTurn ?? 512);
    this.#onHandlerError = options.onHandlerError ?? (() => {});
  }

  /** Register a service. Throws DuplicateServiceError if the name is taken. Returns an unregister function. */
  register(name: string, handler: BusHandler<E>, options: RegisterOptions = {}): () => void {
    if (this.#byName.has(name)) throw new DuplicateServiceError(name);
    const capacity = Math.max(1, Math.trunc(options.queueCapacity ?? 1024));
    const subscriber = new Subscriber<E>(name, handler, capacity, options.filter ?? null);
    this.#subscribers.push(subscriber);
    this.#byName.set(name, subscriber);
    return () => this.unregister(name);
  }

  unregister(name: string): boolean {
    const subscriber = this.#byName.get(name);
    if (subscriber === undefined) return false;
    subscriber.closed = true;
    this.#byName.delete(name);
    const index = this.#subscribers.indexOf(subscriber);
    if (index >= 0) this.#subscribers.splice(index, 1);
    return true;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * Enqueue for every subscriber; never calls a handler synchronously, never throws. An event no
   * subscriber wants schedules nothing (no extra turn of the event loop: with the services Worker
   * off and the log above info, a call's start and end are such events).
   */
  publish(event: E): void {
    this.#published++;
    const subscribers = this.#subscribers;
    let queued = false;
    for (let i = 0; i < subscribers.length; i++) {
      const s = subscribers[i]!;
      if (s.filter !== null) {
        let wanted = false;
        try {
          wanted = s.filter(event);
        } catch {
          s.failed++;
        }
        if (!wanted) continue;
      }
      s.offer(event);
      queued = true;
    }
    if (queued) this.#schedule();
  }

  stats(): BusStats {
    return {
      published: this.#published,
      subscribers: this.#subscribers.map((s) => ({
        name: s.name,
        queued: s.size,
        delivered: s.delivered,
        dropped: s.dropped,
        failed: s.failed,
        inFlight: s.inFlight,
        lastError: s.lastError,
      })),
    };
  }

  /** Resolves once every queue is empty or blocked behind an in-flight async handler (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.#hasDeliverable()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#schedule();
    });
  }

  #hasDeliverable(): boolean {
    for (const s of this.#subscribers) if (s.size > 0 && !s.inFlight) return true;
    return false;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    this.#scheduled = false;
    let budget = this.#budget;
    const subscribers = this.#subscribers;
    // Round-robin across subscribers so one busy queue cannot starve the others.
    let idleRounds = 0;
    while (budget > 0 && subscribers.length > 0 && idleRounds < subscribers.length) {
      if (this.#cursor >= subscribers.length) this.#cursor = 0;
      const s = subscribers[this.#cursor++]!;
      if (s.size === 0 || s.inFlight) {
        idleRounds++;
        continue;
      }
      idleRounds = 0;
      budget--;
      this.#deliverOne(s, s.take());
    }
    if (this.#hasDeliverable()) {
      this.#schedule();
    } else if (this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #deliverOne(s: Subscriber<E>, event: E): void {
    let result: void | Promise<void>;
    try {
      result = s.handler(event);
    } catch (error) {
      this.#fail(s, error);
      return;
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
      s.inFlight = true;
      (result as Promise<void>).then(
        () => {
          s.inFlight = false;
          s.delivered++;
          if (!s.closed && s.size > 0) this.#schedule();
        },
        (error: unknown) => {
          s.inFlight = false;
          this.#fail(s, error);
          if (!s.closed && s.size > 0) this.#schedule();
        },
      );
      return;
    }
    s.delivered++;
  }

  #fail(s: Subscriber<E>, error: unknown): void {
    s.failed++;
    s.lastError = error instanceof Error ? error.message : String(error);
    try {
      this.#onHandlerError(s.name, error);
    } catch {
      // the error reporter must not break delivery either
    }
  }
}
