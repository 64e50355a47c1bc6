/**
 * Per-hotspot diagnostics, the "why can't I hear anything?" page: recent login refusals, rejected
 * option tokens with the reason, current subscriptions and when they expire, recent calls sent and
 * heard, calls not delivered and why. From GET /api/v1/hotspots/{id}/diagnostics when the server
 * has it; otherwise built from the public views (and live `options.applied` events).
 */
import { useEffect, useState } from "preact/hooks";
import { Badge, RelTime, Section, Source, Table, Talkgroup } from "../components.tsx";
import { duration, uptime } from "../format.ts";
import { heardFromApi, optionRejectionFromApi, refusalFromApi, type HeardCall, type OptionRejection, type Refusal } from "../model.ts";
import { reasonText, t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";
import { SubscriptionList } from "./hotspots.tsx";
import { parsePortName } from "../format.ts";

interface NotDelivered {
  timeMs: number;
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  reason: string;
}

interface Feed {
  refusals: Refusal[];
  options: OptionRejection | null;
  callsSent: HeardCall[] | null;
  callsHeard: HeardCall[] | null;
  notDelivered: NotDelivered[] | null;
}

function feedFromApi(raw: Record<string, unknown>): Feed {
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return {
    refusals: arr(raw.refusals).map(refusalFromApi),
    options: raw.options !== null && typeof raw.options === "object" ? optionRejectionFromApi(raw.options) : null,
    callsSent: Array.isArray(raw.callsSent) ? raw.callsSent.map(heardFromApi) : null,
    callsHeard: Array.isArray(raw.callsHeard) ? raw.callsHeard.map(heardFromApi) : null,
    notDelivered: Array.isArray(raw.notDelivered)
      ? raw.notDelivered.map((x) => {
          const o = (x ?? {}) as Record<string, unknown>;
          return {
            timeMs: typeof o.time === "string" ? Date.parse(o.time) : Number(o.timeMs ?? 0),
            sourceId: Number(o.sourceId ?? 0),
            destinationId: Number(o.destinationId ?? 0),
            slot: o.slot === 1 ? 1 : 2,
            reason: String(o.reason ?? "unknown"),
          } satisfies NotDelivered;
        })
      : null,
  };
}

export function DiagnosticsPage(props: { repeaterId: number }) {
  const store = useDashboard();
  const now = useNow(1000);
  const [feed, setFeed] = useState<Feed | null>(null);
  const [feedMissing, setFeedMissing] = useState(false);
  const id = props.repeaterId;
  const stateVersion = store.state.version;

  useEffect(() => {
    let cancelled = false;
    store
      .getJson(`/api/v1/hotspots/${id}/diagnostics`)
      .then(({ status, body }) => {
        if (cancelled) return;
        if (status === 200 && body !== null && typeof body === "object") {
          setFeed(feedFromApi(body as Record<string, unknown>));
          setFeedMissing(false);
        } else setFeedMissing(true);
      })
      .catch(() => !cancelled && setFeedMissing(true));
    return () => {
      cancelled = true;
    };
    // Reload with the live state (throttled by the store's coalescing).
  }, [id, Math.floor(stateVersion / 5)]);

  const hotspot = store.state.hotspots.find((h) => h.repeaterId === id) ?? null;
  const refusals = feed?.refusals ?? store.state.refusals.filter((r) => r.repeaterId === id);
  const options = feed?.options ?? store.state.optionRejections.get(id) ?? null;
  const sent = feed?.callsSent ?? store.state.lastHeard.filter((c) => parsePortName(c.port).repeaterId === id);
  const tgs = new Set(hotspot?.subscriptions.map((s) => `${s.slot}:${s.talkgroupId}`) ?? []);
  const heard = feed?.callsHeard ?? store.state.lastHeard.filter((c) => parsePortName(c.port).repeaterId !== id && c.callType === "group" && tgs.has(`${c.slot}:${c.destinationId}`));
  const who = hotspot?.callsign ?? refusals[0]?.callsign ?? String(id);

  return (
    <>
      <Section title={t("diagTitle", { who })} testId="diagnostics">
        <p data-testid="diag-connection">
          {hotspot !== null && hotspot.connectedSinceMs !== null ? (
            <>
              <Badge kind="ok">{t("up")}</Badge> {t("diagConnected", { time: uptime((now - hotspot.connectedSinceMs) / 1000) })}
            </>
          ) : (
            <>
              <Badge kind="bad">{t("down")}</Badge> {t("diagNotConnected")}
            </>
          )}{" "}
          <span class="mono">{id}</span> · <a href={`/self-care/${id}`}>{t("diagSelfCare")}</a>
        </p>
        {feedMissing ? <p class="note">{t("diagPartial")}</p> : null}
      </Section>

      <Section title={t("diagOptions")} testId="diag-options">
        {options === null || options.rejected.length === 0 ? (
          <p class="empty">{t("diagOptionsNone")}</p>
        ) : (
          <>
            <p class="note">
              <RelTime ms={options.timeMs} now={now} /> · {t("diagHintOptions")}
            </p>
            <Table
              testId="diag-options-table"
              rows={options.rejected}
              rowKey={(r) => r.token}
              empty=""
              rowClass={() => "problem"}
              columns={[
                { label: t("colToken"), cell: (r) => <code>{r.token}</code> },
                { label: t("colReason"), cell: (r) => <span data-testid="option-reason">{r.reason ?? t("unknown")}</span> },
              ]}
            />
          </>
        )}
      </Section>

      <Section title={t("diagSubscriptions")} testId="diag-subscriptions">
        {hotspot === null || hotspot.subscriptions.length === 0 ? (
          <p class="empty">{t("diagSubscriptionsNone")}</p>
        ) : (
          <dl class="figures">
            <div class="figure">
              <dt>{t("colTs1")}</dt>
              <dd>
                <SubscriptionList subs={hotspot.subscriptions.filter((s) => s.slot === 1)} now={now} />
              </dd>
            </div>
            <div class="figure">
              <dt>{t("colTs2")}</dt>
              <dd>
                <SubscriptionList subs={hotspot.subscriptions.filter((s) => s.slot === 2)} now={now} />
              </dd>
            </div>
            <div class="figure">
              <dt>{t("colDial")}</dt>
              <dd>{hotspot.dialedReflector > 0 ? t("dialLink", { tg: hotspot.dialedReflector }) : t("notLinked")}</dd>
            </div>
          </dl>
        )}
      </Section>

      <Section title={t("diagRefusals")} testId="diag-refusals">
        <Table<Refusal>
          rows={refusals}
          rowKey={(r) => `${r.timeMs}:${r.reason}`}
          empty={t("diagRefusalsNone")}
          rowClass={() => "problem"}
          columns={[
            { label: t("colWhen"), cell: (r) => <RelTime ms={r.timeMs} now={now} /> },
            { label: t("colCallsign"), cell: (r) => r.callsign ?? t("unknown") },
            { label: t("colReason"), cell: (r) => reasonText(r.reason) },
          ]}
        />
      </Section>

      <Section title={t("diagNotDelivered")} testId="diag-not-delivered">
        <Table<NotDelivered>
          rows={feed?.notDelivered ?? []}
          rowKey={(r) => `${r.timeMs}:${r.sourceId}:${r.destinationId}`}
          empty={t("diagNotDeliveredNone")}
          columns={[
            { label: t("colWhen"), cell: (r) => <RelTime ms={r.timeMs} now={now} /> },
            { label: t("colSource"), cell: (r) => <span class="mono">{r.sourceId}</span> },
            { label: t("colTalkgroup"), cell: (r) => <Talkgroup id={r.destinationId} /> },
            { label: t("colSlot"), cell: (r) => t("slot", { slot: r.slot }) },
            { label: t("colReason"), cell: (r) => reasonText(r.reason) },
          ]}
        />
      </Section>

      <CallList title={t("diagSent")} calls={sent} now={now} testId="diag-sent" />
      <CallList title={t("diagHeard")} calls={heard} now={now} testId="diag-heard" />
    </>
  );
}

function CallList(props: { title: string; calls: readonly HeardCall[]; now: number; testId: string }) {
  return (
    <Section title={props.title} testId={props.testId}>
      <Table<HeardCall>
        rows={props.calls.slice(0, 20)}
        rowKey={(c) => c.key}
        empty={t("noData")}
        columns={[
          { label: t("colWhen"), cell: (c) => <RelTime ms={c.timeMs} now={props.now} /> },
          { label: t("colSource"), cell: (c) => <Source id={c.sourceId} callsign={c.sourceCallsign} name={c.sourceName} /> },
          { label: t("colAlias"), cell: (c) => c.talkerAlias ?? <span class="muted">{t("unknown")}</span> },
          { label: t("colTalkgroup"), cell: (c) => <Talkgroup id={c.destinationId} callType={c.callType} /> },
          { label: t("colSlot"), cell: (c) => t("slot", { slot: c.slot }) },
          { label: t("colDuration"), cell: (c) => duration(c.durationMs), className: "num" },
        ]}
      />
    </Section>
  );
}
