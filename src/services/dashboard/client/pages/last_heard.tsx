/** "Last heard": finished calls, newest first, searchable (callsign, name, alias, id, talkgroup). */
import { useState } from "preact/hooks";
import { Badge, Section, Table } from "../components.tsx";
import { matchesSearch, type HeardCall } from "../model.ts";
import { t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";
import { heardCallColumns } from "./now.tsx";

export function LastHeardPage() {
  const store = useDashboard();
  const now = useNow(5000);
  const [query, setQuery] = useState(new URLSearchParams(location.search).get("q") ?? "");
  const calls = store.state.lastHeard.filter((c) => matchesSearch(c, query));
  return (
    <Section title={t("lastHeardTitle")} testId="last-heard" aside={<span class="muted">{t("showing", { shown: calls.length, total: store.state.lastHeard.length })}</span>}>
      <input
        type="search"
        class="search"
        placeholder={t("search")}
        aria-label={t("search")}
        value={query}
        onInput={(e) => {
          const value = (e.currentTarget as HTMLInputElement).value;
          setQuery(value);
          history.replaceState(null, "", value === "" ? location.pathname : `${location.pathname}?q=${encodeURIComponent(value)}`);
        }}
      />
      <Table<HeardCall>
        testId="last-heard-table"
        rows={calls.slice(0, 200)}
        rowKey={(c) => c.key}
        empty={t("noData")}
        columns={[
          ...heardCallColumns(now),
          {
            label: t("colLoss"),
            cell: (c) => <Badge kind={c.lossPercent >= 5 ? "bad" : c.lossPercent > 0 ? "warn" : "ok"}>{`${c.lossPercent}%`}</Badge>,
            className: "num",
          },
        ]}
      />
    </Section>
  );
}
