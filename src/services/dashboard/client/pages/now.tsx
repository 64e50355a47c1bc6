/** "Now": calls in progress with a ticking duration, the calls just heard, and the server's figures. */
import { Badge, RelTime, Running, Section, Source, Table, Talkgroup, type Column } from "../components.tsx";
import { bytes, count, duration, parsePortName, uptime } from "../format.ts";
import type { ActiveCall, HeardCall } from "../model.ts";
import { reasonText, t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";

/** A caller's talker alias, or "unknown". */
function Alias(props: { alias: string | null }) {
  return props.alias !== null ? <span data-testid="talker-alias">{props.alias}</span> : <span class="muted">{t("unknown")}</span>;
}

/** The columns of a finished call (the "just heard" table here, the last-heard page adds its own). */
export function heardCallColumns(now: number): Column<HeardCall>[] {
  return [
    { label: t("colWhen"), cell: (c) => <RelTime ms={c.timeMs} now={now} /> },
    { label: t("colSource"), cell: (c) => <Source id={c.sourceId} callsign={c.sourceCallsign} name={c.sourceName} /> },
    { label: t("colAlias"), cell: (c) => <Alias alias={c.talkerAlias} /> },
    { label: t("colTalkgroup"), cell: (c) => <Talkgroup id={c.destinationId} callType={c.callType} /> },
    { label: t("colSlot"), cell: (c) => t("slot", { slot: c.slot }) },
    { label: t("colEntered"), cell: (c) => <EnteredAt port={c.port} /> },
    { label: t("colDuration"), cell: (c) => <span class="mono">{duration(c.durationMs)}</span>, className: "num" },
  ];
}

export function NowPage() {
  const store = useDashboard();
  const now = useNow(250);
  const { status, active, refusals } = store.state;
  const calls = [...active.values()].sort((a, b) => a.startedLocalMs - b.startedLocalMs);
  return (
    <>
      <Section title={t("nowTitle")} testId="now-calls" aside={<Badge kind={calls.length > 0 ? "live" : "muted"}>{calls.length}</Badge>}>
        <Table<ActiveCall>
          testId="now-calls-table"
          rows={calls}
          rowKey={(c) => c.key}
          empty={t("nowNone")}
          rowClass={() => "on-air"}
          columns={[
            { label: t("colSource"), cell: (c) => <Source id={c.sourceId} callsign={c.sourceCallsign} name={c.sourceName} /> },
            { label: t("colAlias"), cell: (c) => <Alias alias={c.talkerAlias} /> },
            { label: t("colTalkgroup"), cell: (c) => <Talkgroup id={c.destinationId} callType={c.callType} /> },
            { label: t("colSlot"), cell: (c) => t("slot", { slot: c.slot }) },
            { label: t("colEntered"), cell: (c) => <EnteredAt port={c.port} /> },
            { label: t("colDuration"), cell: (c) => <Running startedMs={c.startedLocalMs} now={now} />, className: "num" },
          ]}
        />
      </Section>
      <Section title={t("justHeard")} testId="just-heard" aside={<a href="/last-heard">{t("navLastHeard")} →</a>}>
        <Table<HeardCall>
          testId="just-heard-table"
          rows={store.state.lastHeard.slice(0, 5)}
          rowKey={(c) => c.key}
          empty={t("noData")}
          columns={heardCallColumns(now)}
        />
      </Section>
      <Section title={t("nowServer")} testId="server-figures">
        {status === null ? (
          <p class="empty">{t("loading")}</p>
        ) : (
          <dl class="figures">
            <Figure label={t("statCalls")} value={count(status.streamsActive)} />
            <Figure label={t("statHotspots")} value={count(status.hotspots)} />
            <Figure label={t("statLinksUp")} value={`${status.linksUp} / ${status.linksTotal}`} />
            <Figure label={t("statUptime")} value={uptime(status.uptimeSeconds)} />
            {status.framesIn !== null ? <Figure label={t("statFramesIn")} value={count(status.framesIn)} /> : null}
            {status.framesOut !== null ? <Figure label={t("statFramesOut")} value={count(status.framesOut)} /> : null}
            {status.rssBytes !== null ? <Figure label={t("statMemory")} value={bytes(status.rssBytes)} /> : null}
            <Figure label={t("statVersion")} value={status.version} />
          </dl>
        )}
      </Section>
      {refusals.length > 0 ? (
        <Section title={t("recentRefusals")} testId="recent-refusals">
          <ul class="plain">
            {refusals.slice(0, 5).map((r) => (
              <li>
                <RelTime ms={r.timeMs} now={now} /> · <a href={`/hotspots/${r.repeaterId}`}>{r.callsign ?? r.repeaterId}</a> · {reasonText(r.reason)}
                {r.count > 1 ? ` ×${r.count}` : ""}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </>
  );
}

function Figure(props: { label: string; value: string }) {
  return (
    <div class="figure">
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

/** Where a call entered: a hotspot (link to its page) or a link. */
export function EnteredAt(props: { port: string }) {
  const { callsign, repeaterId } = parsePortName(props.port);
  if (repeaterId === null) return <span>{callsign}</span>;
  return (
    <a href={`/hotspots/${repeaterId}`}>
      {callsign} <span class="sub mono">{repeaterId}</span>
    </a>
  );
}
