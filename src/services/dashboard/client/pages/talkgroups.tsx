/**
 * "Talkgroups": who is subscribed to each talkgroup (per slot, static or dynamic) and its
 * activity, built from the hotspots, last-heard and calls-in-progress views the browser holds
 * (kept live), so it needs no request of its own.
 */
import { Badge, RelTime, Section, Table } from "../components.tsx";
import { talkgroupRows, type TalkgroupRow } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

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
                    <a href={`/hotspots/${s.repeaterId}`} class="badge" title={s.kind ?? undefined}>
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
