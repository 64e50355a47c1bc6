/**
 * What the HBP master keeps about every connected session besides the session object itself: the
 * master's counters (every session counts into them) and, as columns indexed by the session's port
 * index, when it connected and the frames it received and was sent (so a session that only listens
 * never needs egress buffers of its own: its frames go out of the outbox's staged rows, outbox.ts).
 * Five fields per session become one reference shared by all of them (session.ts: a session under
 * 13 fields is 48 bytes smaller), and a row is 16 bytes of typed storage. Rows live in pages of
 * PAGE_ROWS made at login as port indexes reach them (no doubling: at most one page of spare rows). A row is reset when a session takes its
 * port index, so a reused index starts from zero. Nothing is allocated per frame.
 * @module
 */
import type { HbpCounters } from "./counters.ts";

/** Rows per page (4 KiB of storage). */
const PAGE_ROWS = 256;
const PAGE_SHIFT = 8;

/** PAGE_ROWS rows over one buffer: connect time (ms), frames in and out (uint32: 8 years of one frame per 60 ms). */
class SessionPage {
  readonly #buffer = new ArrayBuffer(PAGE_ROWS * 16);
  readonly connectedAtMs = new Float64Array(this.#buffer, 0, PAGE_ROWS);
  readonly framesIn = new Uint32Array(this.#buffer, PAGE_ROWS * 8, PAGE_ROWS);
  readonly framesOut = new Uint32Array(this.#buffer, PAGE_ROWS * 12, PAGE_ROWS);
}

export class SessionColumns {
  readonly #pages: SessionPage[] = [];

  constructor(readonly counters: HbpCounters) {}

  /** A session took `portIndex`: its row, zeroed (its page made if need be). */
  open(portIndex: number): void {
    const pageIndex = portIndex >> PAGE_SHIFT;
    while (this.#pages.length <= pageIndex) this.#pages.push(new SessionPage());
    const page = this.#pages[pageIndex]!;
    const row = portIndex & (PAGE_ROWS - 1);
    page.connectedAtMs[row] = 0;
    page.framesIn[row] = 0;
    page.framesOut[row] = 0;
  }

  /** The page of `portIndex`, or undefined (−1, or never opened). */
  #page(portIndex: number): SessionPage | undefined {
    return portIndex >= 0 ? this.#pages[portIndex >> PAGE_SHIFT] : undefined;
  }

  /** 0 for no row. */
  connectedAtMs(portIndex: number): number {
    return this.#page(portIndex)?.connectedAtMs[portIndex & (PAGE_ROWS - 1)] ?? 0;
  }

  setConnectedAtMs(portIndex: number, ms: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.connectedAtMs[portIndex & (PAGE_ROWS - 1)] = ms;
  }

  framesIn(portIndex: number): number {
    return this.#page(portIndex)?.framesIn[portIndex & (PAGE_ROWS - 1)] ?? 0;
  }

  countIn(portIndex: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.framesIn[portIndex & (PAGE_ROWS - 1)]!++;
  }

  framesOut(portIndex: number): number {
    return this.#page(portIndex)?.framesOut[portIndex & (PAGE_ROWS - 1)] ?? 0;
  }

  countOut(portIndex: number): void {
    const page = this.#page(portIndex);
    if (page !== undefined) page.framesOut[portIndex & (PAGE_ROWS - 1)]!++;
  }
}
