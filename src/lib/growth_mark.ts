/**
 * How far a value has grown since a mark: `due` once it is `step` or more above the mark. A value
 * below the mark (a counter reset, memory handed back by someone else) moves the mark down to it,
 * so growth is always counted from the lowest point since the mark was set. Pure.
 * @module
 */
export class GrowthMark {
  #mark: number;

  constructor(
    mark: number,
    readonly step: number,
  ) {
    this.#mark = mark;
  }

  /** True when `value` is `step` or more above the mark (lowered to `value` first if above it). */
  due(value: number): boolean {
    if (value < this.#mark) this.#mark = value;
    return value - this.#mark >= this.step;
  }

  /** Count from `value` on. */
  set(value: number): void {
    this.#mark = value;
  }
}
