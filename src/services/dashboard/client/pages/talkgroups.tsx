/**
 * "Talkgroups": who is subscribed to each talkgroup (per slot, static or dynamic) and its
 * activity, from GET /api/v1/talkgroups when the server has it, else built from the hotspots and
 * last-heard views the browser already holds.
 */
import { Badge, RelTime, Section, Table } from "../components.tsx";
import type { DashboardState } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

export interface TalkgroupRow {
  talkgroupId: number;
  subscribers: { repeaterId: number; callsign: string; slot: 1 | 2; kind: "static" | "dynamic" | null }[];
  lastCallMs: number | null;
  calls: number;
  active: boolean;
}

export function talkgroupRows(state: DashboardState): TalkgroupRow[] {
  const rows = new Map<number, TalkgroupRow>();
  const row = (id: number): TalkgroupRow => {
    let r = rows.get(id);
    if (r === undefined) {
      r = { talkgroupId: id, subscribers: [], lastCallMs: null, calls: 0, active: false };
      rows.set(id, r);
    }
    return r;
  };
  for (const h of state.hotspots) for (const s of h.subscriptions) row(s.talkgroupId).subscribers.push({ repeaterId: h.repeaterId, callsign: h.callsign, slot: s.slot, kind: s.kind });
  for (const c of state.lastHeard) {
    if (c.callType !== "group") continue;
    const r = row(c.destinationId);
    r.calls++;
    if (r.lastCallMs === null || c.timeMs > r.lastCallMs) r.lastCallMs = c.timeMs;
  }
  for (const c of state.active.values()) if (c.callType === "group") row(c.destinationId).active = true;
  return [...rows.values()].sort((a, b) => Number(b.active) - Number(a.active) || (b.lastCallMs ?? 0) - (a.lastCallMs ?? 0) || b.subscribers.length - a.subscribers.length || a.talkgroupId - b.talkgroupId);
}

export function TalkgroupsPage() {
  const store = useDashboard();
  const now = useNow(5000);
  const rows = talkgroupRows(store.state);
  return (
    <Section title={t("talkgroupsTitle")} testId="talkgroups">
      <Table<TalkgroupRow>
        testId="talkgroups-table"
        rows={rows}
        rowKey={(r) => String(r.talkgroupId)}
        empty={t("talkgroupsNone")}
        columns={[
          {
            label: t("colTalkgroup"),
            cell: (r) => (
              <span>
                <strong class="mono">TG {r.talkgroupId}</strong> {r.active ? <Badge kind="live">{t("activeNow")}</Badge> : null}
              </span>
            ),
          },
          {
            label: t("colSubscribers"),
            cell: (r) =>
              r.subscribers.length === 0 ? (
                <span class="muted">{t("none")}</span>
              ) : (
                <span class="tg-list">
                  {r.subscribers.map((s) => (
                    <a href={`/hotspots/${s.repeaterId}`} class="badge" title={s.kind === null ? undefined : t(s.kind)}>
                      {s.callsign} · {t("slot", { slot: s.slot })}
                    </a>
                  ))}
                </span>
              ),
          },
          { label: t("colActivity"), cell: (r) => <RelTime ms={r.lastCallMs} now={now} /> },
          { label: t("colCalls"), cell: (r) => String(r.calls), className: "num" },
        ]}
      />
    </Section>
  );
}
