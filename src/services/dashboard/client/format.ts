/**
 * Pure formatting helpers (no DOM): relative times ("12 s ago", "in 4 min"), durations, byte
 * sizes, and the hotspot port names the server uses ("CALL/repeaterId"). Built on Intl, so a
 * translation gets its own plural rules and number format.
 * @module
 */

let locale = "en";
let relative = new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" });

export function setFormatLocale(tag: string): void {
  locale = tag;
  relative = new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" });
}

/** "12 sec. ago" / "in 4 min." for `atMs` seen from `nowMs`. */
export function relativeTime(atMs: number, nowMs: number): string {
  const seconds = Math.round((atMs - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

/** A running or finished duration: "7.4 s", "1:05", "2:03:09". */
export function duration(ms: number): string {
  const totalSeconds = Math.max(0, ms) / 1000;
  if (totalSeconds < 60) return `${totalSeconds.toFixed(1)} s`;
  const s = Math.floor(totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, "0") : String(minutes);
  return `${hours > 0 ? `${hours}:` : ""}${mm}:${String(seconds).padStart(2, "0")}`;
}

/** Uptime in the largest two units: "3 d 4 h", "5 h 12 min", "42 s". */
export function uptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MiB`;
  return `${(n / 1073741824).toFixed(2)} GiB`;
}

export function count(n: number): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** "G4ABC/2345601" → { callsign, repeaterId }; a link name → { callsign: name, repeaterId: null }. */
export function parsePortName(name: string): { callsign: string; repeaterId: number | null } {
  const slash = name.lastIndexOf("/");
  if (slash > 0) {
    const id = Number(name.slice(slash + 1));
    if (Number.isInteger(id) && id > 0) return { callsign: name.slice(0, slash), repeaterId: id };
  }
  return { callsign: name, repeaterId: null };
}

/** Frequency in Hz → "438.8000 MHz" (0 or missing → ""). */
export function frequency(hz: number | undefined | null): string {
  if (hz === undefined || hz === null || hz <= 0) return "";
  return `${(hz / 1e6).toFixed(4)} MHz`;
}

/** "91, 2350 3100" → [91, 2350, 3100], or the first bad item. */
export function parseTalkgroupList(text: string): { ok: true; value: number[] } | { ok: false; bad: string } {
  const items = text.split(/[\s,;]+/).filter((item) => item !== "");
  const out: number[] = [];
  for (const item of items) {
    if (!/^\d{1,8}$/.test(item) || Number(item) < 1 || Number(item) > 16_777_215) return { ok: false, bad: item };
    if (!out.includes(Number(item))) out.push(Number(item));
  }
  return { ok: true, value: out };
}

/** The RPTC slots character in words (hbp-and-dmr.md §1.3: "1", "2", "3" duplex, "4" simplex). */
export function slotsText(slots: string | null, words: { duplex: string; simplex: string }): string | null {
  switch (slots) {
    case "1":
      return "TS1";
    case "2":
      return "TS2";
    case "3":
      return words.duplex;
    case "4":
      return words.simplex;
    default:
      return slots;
  }
}
