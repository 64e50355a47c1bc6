/**
 * Hamming codes of the DMR air interface, defined by their parity equations (ETSI TS 102 361-1
 * Annex B.3; hbp-and-dmr.md §2.6 and §2.8):
 *  - Hamming(15,11,3): BPTC(196,96) rows,
 *  - Hamming(13,9,3): BPTC(196,96) columns,
 *  - Hamming(16,11,4): embedded-LC rows.
 * A codeword is read from a bit array (one 0/1 per element) at `start`, `stride` apart, data bits
 * d0..d(k-1) first, then the parity bits. Syndrome tables are built once at module load.
 * @module
 */

export const enum HammingResult {
  /** the codeword checked clean */
  Valid = 0,
  /** one bit was wrong and has been corrected in place */
  Corrected = 1,
  /** more errors than the code corrects; the bits are left as they were */
  Uncorrectable = 2,
}

export class HammingCode {
  readonly n: number;
  readonly k: number;
  /** parity equation j = the data-bit indices whose XOR is parity bit j */
  readonly #equations: readonly (readonly number[])[];
  /** syndrome -> codeword position of a single error, or -1 */
  readonly #positionOfSyndrome: Int8Array;

  constructor(k: number, equations: readonly (readonly number[])[]) {
    this.k = k;
    this.n = k + equations.length;
    this.#equations = equations;
    this.#positionOfSyndrome = new Int8Array(1 << equations.length).fill(-1);
    for (let position = 0; position < this.n; position++) {
      let syndrome = 0;
      for (let j = 0; j < equations.length; j++) {
        const inEquation = position < k ? equations[j]!.includes(position) : position - k === j;
        if (inEquation) syndrome |= 1 << j;
      }
      if (this.#positionOfSyndrome[syndrome] !== -1) throw new Error("Hamming code has duplicate syndromes");
      this.#positionOfSyndrome[syndrome] = position;
    }
  }

  /** Write the parity bits of the k data bits at bits[start + i·stride]. */
  encode(bits: Uint8Array, start: number, stride: number): void {
    const equations = this.#equations;
    for (let j = 0; j < equations.length; j++) {
      const equation = equations[j]!;
      let p = 0;
      for (let e = 0; e < equation.length; e++) p ^= bits[start + equation[e]! * stride]!;
      bits[start + (this.k + j) * stride] = p & 1;
    }
  }

  syndrome(bits: Uint8Array, start: number, stride: number): number {
    const equations = this.#equations;
    let syndrome = 0;
    for (let j = 0; j < equations.length; j++) {
      const equation = equations[j]!;
      let p = bits[start + (this.k + j) * stride]!;
      for (let e = 0; e < equation.length; e++) p ^= bits[start + equation[e]! * stride]!;
      if (p & 1) syndrome |= 1 << j;
    }
    return syndrome;
  }

  /** Check the codeword and correct a single-bit error in place. */
  decode(bits: Uint8Array, start: number, stride: number): HammingResult {
    const syndrome = this.syndrome(bits, start, stride);
    if (syndrome === 0) return HammingResult.Valid;
    const position = this.#positionOfSyndrome[syndrome]!;
    if (position < 0) return HammingResult.Uncorrectable;
    const index = start + position * stride;
    bits[index] = bits[index]! ^ 1;
    return HammingResult.Corrected;
  }
}

/** Hamming(15,11,3), hbp-and-dmr.md §2.6 (BPTC rows). */
export const HAMMING_15_11_3 = new HammingCode(11, [
  [0, 1, 2, 3, 5, 7, 8],
  [1, 2, 3, 4, 6, 8, 9],
  [2, 3, 4, 5, 7, 9, 10],
  [0, 1, 2, 4, 6, 7, 10],
]);

/** Hamming(13,9,3), hbp-and-dmr.md §2.6 (BPTC columns). */
export const HAMMING_13_9_3 = new HammingCode(9, [
  [0, 1, 3, 5, 6],
  [0, 1, 2, 4, 6, 7],
  [0, 1, 2, 3, 5, 7, 8],
  [0, 2, 4, 5, 8],
]);

/** Hamming(16,11,4), hbp-and-dmr.md §2.8 (embedded LC rows): the (15,11) equations plus p4. */
export const HAMMING_16_11_4 = new HammingCode(11, [
  [0, 1, 2, 3, 5, 7, 8],
  [1, 2, 3, 4, 6, 8, 9],
  [2, 3, 4, 5, 7, 9, 10],
  [0, 1, 2, 4, 6, 7, 10],
  [0, 2, 5, 6, 8, 9, 10],
]);
