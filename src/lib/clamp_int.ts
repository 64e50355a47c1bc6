/**
 * An integer in [min, max]: the value truncated and clamped; 0 for what is not a finite number.
 * For values read leniently from the wire that must fit a column or a bit field.
 * @module
 */
export function clampInt(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.max(min, Math.min(max, Math.trunc(value))) : 0;
}
