/** "Hotspots": who is connected, where, with what, and which talkgroups each slot has. */
import { Badge, RelTime, Section, Table } from "../components.tsx";
import { frequency, relativeTime, slotsText, uptime } from "../format.ts";
import { useState } from "preact/hooks";
import { matchesHotspot, type Hotspot, type Subscription } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

export function SubscriptionList(props: { subs: readonly Subscription[]; now: number }) {
  if (props.subs.length === 0) return <span class="muted">{t("none")}</span>;
  return (
    <span class="tg-list">
      {props.subs.map((s) => (
        <Badge
          kind={s.kind === "dynamic" ? "warn" : "ok"}
          title={[s.kind ?? "", s.expiresAtMs !== null ? t("expiresIn", { time: relativeTime(s.expiresAtMs, props.now) }) : ""].filter((x) => x !== "").join(", ")}
        >
          {s.talkgroupId}
          {s.expiresAtMs !== null ? <span class="sub"> {relativeTime(s.expiresAtMs, props.now)}</span> : null}
        </Badge>
      ))}
    </span>
  );
}

/** Rows drawn at most (a phone stays fast with thousands of hotspots; search narrows the rest). */
const MAX_ROWS = 200;

export function HotspotsPage() {
  const store = useDashboard();
  const now = useNow(5000);
  const [query, setQuery] = useState(new URLSearchParams(location.search).get("q") ?? "");
  const all = store.state.hotspots;
  const hotspots = all.filter((h) => matchesHotspot(h, query));
  return (
    <Section title={t("hotspotsTitle")} testId="hotspots" aside={<span class="muted">{t("showing", { shown: Math.min(MAX_ROWS, hotspots.length), total: all.length })}</span>}>
      <input
        type="search"
        class="search"
        placeholder={t("searchHotspots")}
        aria-label={t("searchHotspots")}
        value={query}
        onInput={(e) => {
          const value = (e.currentTarget as HTMLInputElement).value;
          setQuery(value);
          history.replaceState(null, "", value === "" ? location.pathname : `${location.pathname}?q=${encodeURIComponent(value)}`);
        }}
      />
      <Table<Hotspot>
        testId="hotspots-table"
        rows={hotspots.slice(0, MAX_ROWS)}
        rowKey={(h) => String(h.repeaterId)}
        empty={t("hotspotsNone")}
        columns={[
          {
            label: t("colCallsign"),
            cell: (h) => (
              <a href={`/hotspots/${h.repeaterId}`} data-testid="hotspot-link">
                <strong>{h.callsign}</strong>
              </a>
            ),
          },
          { label: t("colId"), cell: (h) => <span class="mono">{h.repeaterId}</span> },
          { label: t("colLocation"), cell: (h) => h.location ?? <span class="muted">{t("unknown")}</span> },
          {
            label: t("colSoftware"),
            cell: (h) => (h.software ?? h.packageId) !== null ? [h.software, h.packageId].filter((x) => x !== null).join(" · ") : <span class="muted">{t("unknown")}</span>,
          },
          {
            label: t("colSlots"),
            cell: (h) => (
              <span>
                {slotsText(h.slots, { duplex: t("duplex"), simplex: t("simplex") }) ?? t("unknown")}
                {h.txFrequencyHz !== null ? <span class="sub"> {frequency(h.txFrequencyHz)}</span> : null}
              </span>
            ),
          },
          { label: t("colTs1"), cell: (h) => <SubscriptionList subs={h.subscriptions.filter((s) => s.slot === 1)} now={now} /> },
          { label: t("colTs2"), cell: (h) => <SubscriptionList subs={h.subscriptions.filter((s) => s.slot === 2)} now={now} /> },
          { label: t("colDial"), cell: (h) => (h.dialedReflector > 0 ? <Badge kind="ok">{t("dialLink", { tg: h.dialedReflector })}</Badge> : <span class="muted">{t("notLinked")}</span>) },
          {
            label: t("colUptime"),
            cell: (h) => (h.connectedSinceMs !== null ? <span title={new Date(h.connectedSinceMs).toLocaleString()}>{uptime((now - h.connectedSinceMs) / 1000)}</span> : <RelTime ms={null} now={now} />),
          },
          { label: t("colFamily"), cell: (h) => (h.addressFamily === null ? t("unknown") : t(h.addressFamily)) },
          { label: "", cell: (h) => <a href={`/hotspots/${h.repeaterId}`}>{t("diagnose")} →</a> },
        ]}
      />
      {hotspots.length > 0 ? (
        <p class="note legend">
          <Badge kind="ok">{t("static")}</Badge> <Badge kind="warn">{t("dynamic")}</Badge> {t("tgLegend")}
        </p>
      ) : null}
    </Section>
  );
}
