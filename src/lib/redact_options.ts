/**
 * The hotspot options' `KEY=` value (FreeDMR's options lock, freedmr-reference.md §1.9) is a
 * secret: whoever knows it can change that hotspot's talkgroups. Every text that may carry an
 * options string (options.applied events, rejected tokens, log lines, status API answers) goes
 * through `redactOptionsKey` before it leaves the process.
 *
 * The value runs to the next `;` (the options separator), an unescaped `"` (the end of a JSON
 * string) or the end of the line; a JSON escape (`\"`, `\\`) inside it is part of the value.
 * @module
 */

export const REDACTED_KEY = "KEY=[redacted]";

const KEY_VALUE = /\bKEY\s*=\s*(?!\[redacted\])(?:[^;"\\\r\n]|\\.)*/gi;
const HAS_KEY = /\bKEY\s*=/i;

/** `TS1=1;KEY=hunter2;TS2=91` → `TS1=1;KEY=[redacted];TS2=91` (case-insensitive; the input itself when there is no KEY). */
export function redactOptionsKey(text: string): string {
  if (!HAS_KEY.test(text)) return text;
  return text.replace(KEY_VALUE, REDACTED_KEY);
}

/** True when `text` still carries a KEY value that is not redacted. */
export function carriesOptionsKey(text: string): boolean {
  KEY_VALUE.lastIndex = 0;
  const found = KEY_VALUE.test(text);
  KEY_VALUE.lastIndex = 0;
  return found;
}
