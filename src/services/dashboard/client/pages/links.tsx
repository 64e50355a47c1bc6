/** "Links": OpenBridge/FBP links and upstream masters: state, protocol, keepalive, traffic, drops. */
import { Badge, RelTime, Section, Table } from "../components.tsx";
import { count } from "../format.ts";
import { splitCounters, type Link } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_.-]+/g, " ").toLowerCase();
}

export function LinksPage() {
  const store = useDashboard();
  const now = useNow(5000);
  return (
    <Section title={t("linksTitle")} testId="links">
      <Table<Link>
        testId="links-table"
        rows={store.state.links}
        rowKey={(l) => l.name}
        empty={t("linksNone")}
        columns={[
          { label: t("colName"), cell: (l) => <strong>{l.name}</strong> },
          { label: t("colKind"), cell: (l) => l.kind ?? t("unknown") },
          {
            label: t("colState"),
            cell: (l) => (
              <span>
                <Badge kind={l.up ? "ok" : "bad"}>{l.up ? t("up") : t("down")}</Badge> {l.state !== "up" && l.state !== "down" ? <span class="sub">{l.state}</span> : null}
                {l.reason !== null ? <span class="sub"> {l.reason}</span> : null}
              </span>
            ),
          },
          { label: t("colSince"), cell: (l) => <RelTime ms={l.sinceMs} now={now} /> },
          { label: t("colProtocol"), cell: (l) => (l.protocol === null || l.protocol === 0 ? (l.kind === "upstream" ? "HBP" : t("unknown")) : l.kind === "openbridge" && l.protocol === 1 ? "OpenBridge v1" : `FBP v${l.protocol}`) },
          { label: t("colKeepalive"), cell: (l) => <RelTime ms={l.lastKeepaliveMs} now={now} /> },
          {
            label: t("colTraffic"),
            cell: (l) => (
              <span class="counters">
                {splitCounters(l.counters, l.drops).traffic.map(([k, v]) => (
                  <span>
                    {words(k)} <strong>{count(v)}</strong>
                  </span>
                ))}
              </span>
            ),
          },
          {
            label: t("colDrops"),
            cell: (l) => {
              const drops = splitCounters(l.counters, l.drops).drops;
              return drops.length === 0 ? (
                <span class="muted">0</span>
              ) : (
                <span class="counters">
                  {drops.map(([k, v]) => (
                    <Badge kind="warn">
                      {words(k)} {count(v)}
                    </Badge>
                  ))}
                </span>
              );
            },
          },
        ]}
      />
    </Section>
  );
}
