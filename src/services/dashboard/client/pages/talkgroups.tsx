/**
 * "Talkgroups": who is subscribed to each talkgroup (per slot) and its activity. Subscribers come
 * from the hotspots view the browser keeps live; activity from GET /api/v1/talkgroups (reloaded as
 * the live state changes, at most every 2 s), or from last heard when the server has no such route.
 */
import { useEffect, useState } from "preact/hooks";
import { Badge, RelTime, Section, Table } from "../components.tsx";
import { talkgroupRows, type TalkgroupRow } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

const RELOAD_MS = 2000;

export function TalkgroupsPage() {
  const store = useDashboard();
  const now = useNow(5000);
  const [fromServer, setFromServer] = useState<unknown[] | null>(null);
  const [loadedAt, setLoadedAt] = useState(0);
  const version = store.state.version;
  useEffect(() => {
    if (Date.now() - loadedAt < RELOAD_MS && fromServer !== null) return;
    let cancelled = false;
    store
      .getJson("/api/v1/talkgroups?limit=1000")
      .then(({ status, body }) => {
        if (cancelled) return;
        const list = (body as { talkgroups?: unknown } | null)?.talkgroups;
        setFromServer(status === 200 && Array.isArray(list) ? list : null);
        setLoadedAt(Date.now());
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [version, Math.floor(now / RELOAD_MS)]);
  const rows = talkgroupRows(store.state, fromServer);
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
                    <a href={`/hotspots/${s.repeaterId}`} class={`badge ${s.kind === "dynamic" ? "warn" : s.kind === null ? "" : "ok"}`} title={s.kind ?? undefined}>
                      {s.callsign} · {t("slot", { slot: s.slot })}
                    </a>
                  ))}
                </span>
              ),
          },
          { label: t("colActivity"), cell: (r) => <RelTime ms={r.lastCallMs} now={now} /> },
          { label: t("colLastTalker"), cell: (r) => (r.lastSourceId !== null ? <span class="mono">{r.lastSourceId}</span> : <span class="muted">{t("unknown")}</span>) },
          { label: t("colCalls"), cell: (r) => String(r.calls), className: "num" },
        ]}
      />
    </Section>
  );
}
