/**
 * The options `KEY=` secret (FreeDMR anti-hijack, freedmr-reference.md §1.9: whoever knows it can
 * change that hotspot's talkgroups) must never appear in a log, an event shown to operators, or an
 * API answer: every consumer that shows an options string or a rejected token passes it through
 * here first — and the logger and the status API pass whole lines and bodies through it again.
 *
 * The value runs to the next `;` (the options separator), an unescaped `"` (the end of a JSON
 * string) or the end of the line; a JSON escape (`\"`, `\\`) inside it is part of the value, so a
 * whole JSON line can be redacted without breaking it.
 * @module
 */

/** What a redacted KEY looks like. */
export const REDACTED_KEY = "KEY=***";

const KEY_VALUE = /\bKEY\s*=\s*(?!\*\*\*(?:[;"\r\n]|$))(?:[^;"\\\r\n]|\\.)*/gi;
const HAS_KEY = /\bKEY\s*=/i;

/** "TS1=91;KEY=s3cret;TS2=9" → "TS1=91;KEY=***;TS2=9" (any case, spaces around "=" allowed; idempotent). */
export function redactOptionKey(text: string): string {
  if (!HAS_KEY.test(text)) return text;
  return text.replace(KEY_VALUE, REDACTED_KEY);
}

/** True when `text` still carries a KEY value that is not redacted. */
export function carriesOptionKey(text: string): boolean {
  KEY_VALUE.lastIndex = 0;
  const found = KEY_VALUE.test(text);
  KEY_VALUE.lastIndex = 0;
  return found;
}
