/**
 * The auditor's own reading of RPTO options (hbp-and-dmr.md §1.5, freedmr-reference.md §1.9),
 * written independently of the router's parser and deliberately simple: split on `;`, `key=value`,
 * known keys only. Tokens the model cannot interpret are reported so the workload can avoid them.
 * @module
 */

export interface ModelOptions {
  readonly ts1: readonly number[];
  readonly ts2: readonly number[];
  /** whether any TS1 / TS2 static key appeared (an absent slot may keep its old statics) */
  readonly ts1Given: boolean;
  readonly ts2Given: boolean;
  /** default dial-a-TG reflector, 0 = none, null = not given */
  readonly dial: number | null;
  /** UA timer minutes, null = not given */
  readonly timerMinutes: number | null;
  readonly single: boolean | null;
  readonly key: string | null;
}

export function parseModelOptions(text: string): ModelOptions {
  const ts1: number[] = [];
  const ts2: number[] = [];
  let dial: number | null = null;
  let timerMinutes: number | null = null;
  let single: boolean | null = null;
  let key: string | null = null;
  let ts1Given = false;
  let ts2Given = false;
  for (const raw of text.split(";")) {
    const token = raw.trim();
    if (token === "") continue;
    const eq = token.indexOf("=");
    if (eq < 0) continue;
    const name = token.slice(0, eq).trim().toUpperCase();
    const value = token.slice(eq + 1).trim();
    const list = (): number[] =>
      value === ""
        ? []
        : value
            .split(",")
            .map((v) => v.trim())
            .filter((v) => /^\d+$/.test(v))
            .map(Number);
    if (name === "TS1" || name === "TS1_STATIC" || /^TS1_\d$/.test(name)) {
      ts1.push(...list());
      ts1Given = true;
    } else if (name === "TS2" || name === "TS2_STATIC" || /^TS2_\d$/.test(name)) {
      ts2.push(...list());
      ts2Given = true;
    }
    else if (name === "DIAL" || name === "STARTREF" || name === "DEFAULT_REFLECTOR") dial = /^\d+$/.test(value) ? Number(value) : dial;
    else if (name === "TIMER" || name === "RELINKTIME" || name === "DEFAULT_UA_TIMER") timerMinutes = /^\d+$/.test(value) ? Number(value) : timerMinutes;
    else if (name === "SINGLE") single = value === "1" ? true : value === "0" ? false : single;
    else if (name === "KEY") key = value;
  }
  return { ts1, ts2, ts1Given, ts2Given, dial, timerMinutes, single, key };
}
