/**
 * Hiding secrets in text shown outside the core: option KEY values (FreeDMR `KEY=`) in RPTO text
 * and in the rejected-token notes derived from it.
 * @module
 */

export function redactOptionKey(text: string): string {
  return text.replace(/(\bKEY\s*=)[^;]*/gi, "$1***");
}
