/**
 * A map from integer keys (0 … 2^53 − 1) to objects, for tables with one entry per hotspot:
 * ~25–30 bytes per entry where a JS Map takes ~130 (measured: 655 KB of Map storage for 5,000
 * entries in JSC). Entries sit in insertion order in a Float64Array of keys beside a dense array
 * of values; an Int32Array hash index (open addressing, linear probing, at most three quarters
 * full) points into them. Lookups allocate nothing. The arrays grow (to 1.25 × the live entries,
 * dropping deleted ones) at `set` time only, so a table sized by logins never allocates on the
 * packet path; a quarter of spare room rather than doubling (at 10,000 entries a doubled table
 * held 39 bytes per entry).
 *
 * Like a Map: iteration is in insertion order, and an entry deleted while iterating `values()` is
 * simply not visited (nothing moves on delete). Unlike a Map: an insert while iterating may
 * rebuild the arrays, so the iteration must not insert (the HBP master's loops never do).
 * @module
 */

const MIN_CAPACITY = 16;
/** Entries are kept in steps of this many (the key and value arrays are not powers of two). */
const CAPACITY_STEP = 64;

/** Hash slots for `capacity` entries: a power of two at least 4/3 of it (at most three quarters full, deleted entries counted). */
function indexSlots(capacity: number): number {
  let slots = MIN_CAPACITY * 2;
  while (slots * 3 < capacity * 4) slots *= 2;
  return slots;
}

function hash(key: number): number {
  // 53-bit integer key: low and high words mixed (murmur3 finaliser constants)
  let h = Math.imul(key <= 0xffffffff ? key | 0 : (key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class NumberMap<V extends object> {
  /** hash slot → entry index + 1 (0 = empty); at most three quarters full */
  #index: Int32Array;
  #mask: number;
  /** entries in insertion order; a deleted entry's value is undefined */
  #keys: Float64Array;
  #values: (V | undefined)[] = [];
  #size = 0;
  /** no live entry before this index (oldest() skips each deleted entry once) */
  #head = 0;

  constructor(initialCapacity = MIN_CAPACITY) {
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(initialCapacity / CAPACITY_STEP) * CAPACITY_STEP);
    this.#keys = new Float64Array(capacity);
    this.#index = new Int32Array(indexSlots(capacity));
    this.#mask = this.#index.length - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Entries the arrays hold before they grow (tests, memory figures). */
  get capacity(): number {
    return this.#keys.length;
  }

  /** Entry index of `key`, or −1. */
  #find(key: number): number {
    const index = this.#index;
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const entry = index[i]! - 1;
      if (entry < 0) return -1;
      if (keys[entry] === key && this.#values[entry] !== undefined) return entry;
    }
  }

  get(key: number): V | undefined {
    const entry = this.#find(key);
    return entry < 0 ? undefined : this.#values[entry];
  }

  has(key: number): boolean {
    return this.#find(key) >= 0;
  }

  set(key: number, value: V): this {
    const found = this.#find(key);
    if (found >= 0) {
      this.#values[found] = value;
      return this;
    }
    if (this.#values.length === this.#keys.length) this.#rebuild();
    const entry = this.#values.length;
    this.#keys[entry] = key;
    this.#values.push(value);
    this.#size++;
    this.#link(key, entry);
    return this;
  }

  delete(key: number): boolean {
    const entry = this.#find(key);
    if (entry < 0) return false;
    // the hash slot keeps pointing here (probing goes on past it) until the next rebuild
    this.#values[entry] = undefined;
    this.#size--;
    return true;
  }

  /**
   * The entry inserted longest ago that is still there (undefined when empty): amortized O(1) for
   * evicting the oldest, where `values().next()` would walk every deleted entry before it again.
   */
  oldest(): V | undefined {
    const values = this.#values;
    let i = this.#head;
    while (i < values.length && values[i] === undefined) i++;
    this.#head = i;
    return values[i];
  }

  /**
   * Entry slots, live or deleted, in insertion order: with `at`, a loop over the values that makes
   * no iterator and no result object per entry (a loop that runs every second over 10,000
   * entries, as the HBP master's timeout sweep, stays off the generator machinery). Same rules as
   * `values()`: an entry deleted while looping is skipped, none may be inserted.
   */
  get slots(): number {
    return this.#values.length;
  }

  /** The value in entry slot `slot` (0 ≤ slot < slots), or undefined when that entry was deleted. */
  at(slot: number): V | undefined {
    return this.#values[slot];
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.#values.length; i++) {
      const value = this.#values[i];
      if (value !== undefined) yield value;
    }
  }

  #link(key: number, entry: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let i = hash(key) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = entry + 1;
  }

  /** Room for 1.25 × the live entries (deleted ones dropped, order kept), in CAPACITY_STEPs; the hash index from indexSlots. */
  #rebuild(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(((this.#size + 1) * 1.25) / CAPACITY_STEP) * CAPACITY_STEP);
    this.#keys = new Float64Array(capacity);
    this.#values = [];
    this.#head = 0;
    this.#index = new Int32Array(indexSlots(capacity));
    this.#mask = this.#index.length - 1;
    for (let i = 0; i < oldValues.length; i++) {
      const value = oldValues[i];
      if (value === undefined) continue;
      const entry = this.#values.length;
      this.#keys[entry] = oldKeys[i]!;
      this.#values.push(value);
      this.#link(oldKeys[i]!, entry);
    }
  }
}
