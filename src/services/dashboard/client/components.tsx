/**
 * Shared view pieces: the responsive table (a table on a wide screen, one card per row on a phone:
 * each cell carries its column name in `data-label`), relative times, running durations, badges.
 * @module
 */
import type { ComponentChildren } from "preact";
import { duration, relativeTime } from "./format.ts";
import { t } from "./strings.ts";

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  className?: string;
}

export function Table<T>(props: { rows: readonly T[]; columns: readonly Column<T>[]; rowKey: (row: T) => string; empty: string; testId?: string; rowClass?: (row: T) => string }) {
  if (props.rows.length === 0) return <p class="empty" data-testid={props.testId}>{props.empty}</p>;
  return (
    <table class="rt" data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col" class={c.className}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)} class={props.rowClass?.(row)}>
            {props.columns.map((c) => (
              <td data-label={c.label} class={c.className}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** When something happened. The server's clock may run a little ahead of the browser's: a past event never reads "in 1 sec". */
export function RelTime(props: { ms: number | null; now: number }) {
  if (props.ms === null || props.ms <= 0) return <span>{t("unknown")}</span>;
  const iso = new Date(props.ms).toISOString();
  return (
    <time dateTime={iso} title={new Date(props.ms).toLocaleString()}>
      {relativeTime(Math.min(props.ms, props.now), props.now)}
    </time>
  );
}

export function Running(props: { startedMs: number; now: number }) {
  return <span class="mono">{duration(props.now - props.startedMs)}</span>;
}

export function Badge(props: { kind?: "ok" | "bad" | "warn" | "live" | "muted"; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge ${props.kind ?? ""}`} title={props.title}>
      {props.children}
    </span>
  );
}

export function Section(props: { title: string; children: ComponentChildren; testId?: string; aside?: ComponentChildren }) {
  return (
    <section class="card" data-testid={props.testId}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.aside}
      </header>
      {props.children}
    </section>
  );
}

/** Source radio: callsign and name when the server knows them, else the DMR id. */
export function Source(props: { id: number; callsign: string | null; name: string | null }) {
  return (
    <span class="source">
      <strong>{props.callsign ?? props.id}</strong>
      {props.callsign !== null ? <span class="sub mono"> {props.id}</span> : null}
      {props.name !== null ? <span class="sub"> {props.name}</span> : null}
    </span>
  );
}

export function Talkgroup(props: { id: number; callType?: "group" | "unit" }) {
  return (
    <span class="mono">
      {props.callType === "unit" ? "☎ " : "TG "}
      {props.id}
    </span>
  );
}
