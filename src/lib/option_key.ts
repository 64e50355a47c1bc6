/**
 * The options `KEY=` secret (FreeDMR anti-hijack) must never appear in a log, an event shown to
 * operators, or an API answer: every consumer that shows an options string or a rejected token
 * passes it through here first.
 * @module
 */

/** "TS1=91;KEY=s3cret;TS2=9" → "TS1=91;KEY=***;TS2=9" (any case, spaces around "=" allowed). */
export function redactOptionKey(text: string): string {
  return text.replace(/(\bKEY\s*=)[^;]*/gi, "$1***");
}
