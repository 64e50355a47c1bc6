/**
 * Per-hotspot diagnostics, the "why can't I hear anything?" page: recent login refusals, rejected
 * option tokens with the reason, current subscriptions and when they expire, recent calls sent and
 * heard, calls not delivered and why. From GET /api/v1/hotspots/{id}/diagnostics when the server
 * has it; otherwise built from the public views (and live `options.applied` events).
 */
import { useEffect, useState } from "preact/hooks";
import { Badge, RelTime, Section, Source, Table, Talkgroup } from "../components.tsx";
import { duration, uptime } from "../format.ts";
import {
  heardFromApi,
  optionRejectionFromApi,
  publicOptionToken,
  refusalFromApi,
  subscriptionsFromApi,
  type HeardCall,
  type OptionRejection,
  type Refusal,
  type Subscription,
} from "../model.ts";
import { reasonText, t } from "../strings.ts";
import { useDashboard, useNow } from "../store.ts";
import { SubscriptionList } from "./hotspots.tsx";
import { parsePortName } from "../format.ts";

interface CallProblem {
  timeMs: number;
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  reason: string;
}

interface Feed {
  /** Plain-language findings from the server, most important first. */
  hints: string[];
  refusals: Refusal[];
  options: OptionRejection | null;
  /** The options in force (KEY value hidden by the server, and again here). */
  optionsText: string | null;
  subscriptions: Subscription[] | null;
  callsSent: HeardCall[] | null;
  callsHeard: HeardCall[] | null;
  callsRefused: CallProblem[] | null;
  notDelivered: CallProblem[] | null;
}

type Json = Record<string, unknown>;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/** A diagnostics entry is either flat or `{time, message, data: {…}}`: flatten it. */
function flat(entry: unknown): Json {
  const e = obj(entry);
  return { ...obj(e.data), ...e };
}

function problem(entry: unknown): CallProblem {
  const o = flat(entry);
  return {
    timeMs: typeof o.time === "string" ? Date.parse(o.time) : Number(o.timeMs ?? 0),
    sourceId: Number(o.sourceId ?? 0),
    destinationId: Number(o.destinationId ?? 0),
    slot: o.slot === 1 ? 1 : 2,
    reason: String(o.reason ?? "unknown"),
  };
}

function feedFromApi(raw: Json, nowLocalMs: number): Feed {
  const rejectedLists = Array.isArray(raw.rejectedOptions) ? raw.rejectedOptions : raw.options !== null && typeof raw.options === "object" ? [raw.options] : [];
  const newestOptions = rejectedLists.length > 0 ? optionRejectionFromApi(rejectedLists[0]) : null;
  return {
    hints: arr(raw.hints).filter((h): h is string => typeof h === "string").map((h) => h.replace(/(\bKEY\s*=)[^;\s]*/gi, "$1***")),
    refusals: arr(raw.refusals).map(refusalFromApi),
    options: newestOptions,
    optionsText: typeof raw.options === "string" ? raw.options.split(";").filter((x) => x !== "").map(publicOptionToken).join(";") : null,
    subscriptions: Array.isArray(raw.subscriptions) ? subscriptionsFromApi(raw.subscriptions, nowLocalMs) : null,
    callsSent: Array.isArray(raw.callsSent) ? raw.callsSent.map((c) => heardFromApi(flat(c))) : null,
    callsHeard: Array.isArray(raw.callsHeard) ? raw.callsHeard.map((c) => heardFromApi(flat(c))) : null,
    callsRefused: Array.isArray(raw.callsRefused) ? raw.callsRefused.map(problem) : null,
    notDelivered: Array.isArray(raw.callsNotDelivered) ? raw.callsNotDelivered.map(problem) : Array.isArray(raw.notDelivered) ? raw.notDelivered.map(problem) : null,
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
        const b = obj(body);
        if (status === 200) {
          setFeed(feedFromApi(b, Date.now()));
          setFeedMissing(false);
        } else if (status === 404 && typeof b.code === "string") {
          // The server has diagnostics and knows nothing about this id (never seen, no refusal).
          setFeed(feedFromApi({ hints: [typeof b.message === "string" ? b.message : ""] }, Date.now()));
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
  const subscriptions = feed?.subscriptions ?? hotspot?.subscriptions ?? [];
  const refusals = feed?.refusals ?? store.state.refusals.filter((r) => r.repeaterId === id);
  const options = feed?.options ?? store.state.optionRejections.get(id) ?? null;
  const sent = feed?.callsSent ?? store.state.lastHeard.filter((c) => parsePortName(c.port).repeaterId === id);
  const tgs = new Set(subscriptions.map((s) => `${s.slot}:${s.talkgroupId}`));
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
        {feed !== null && feed.hints.filter((h) => h !== "").length > 0 ? (
          <ul class="hints" data-testid="diag-hints">
            {feed.hints
              .filter((h) => h !== "")
              .map((h) => (
                <li>{h}</li>
              ))}
          </ul>
        ) : null}
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
        {subscriptions.length === 0 ? (
          <p class="empty">{t("diagSubscriptionsNone")}</p>
        ) : (
          <dl class="figures">
            <div class="figure">
              <dt>{t("colTs1")}</dt>
              <dd data-testid="diag-ts1">
                <SubscriptionList subs={subscriptions.filter((s) => s.slot === 1)} now={now} />
              </dd>
            </div>
            <div class="figure">
              <dt>{t("colTs2")}</dt>
              <dd data-testid="diag-ts2">
                <SubscriptionList subs={subscriptions.filter((s) => s.slot === 2)} now={now} />
              </dd>
            </div>
            <div class="figure">
              <dt>{t("colDial")}</dt>
              <dd>{(hotspot?.dialedReflector ?? 0) > 0 ? t("dialLink", { tg: hotspot?.dialedReflector ?? 0 }) : t("notLinked")}</dd>
            </div>
            {feed?.optionsText != null && feed.optionsText !== "" ? (
              <div class="figure">
                <dt>{t("diagOptionsInForce")}</dt>
                <dd>
                  <code>{feed.optionsText}</code>
                </dd>
              </div>
            ) : null}
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

      <ProblemList title={t("diagCallsRefused")} rows={feed?.callsRefused ?? []} empty={t("diagNotDeliveredNone")} now={now} testId="diag-calls-refused" />
      <ProblemList
        title={t("diagNotDelivered")}
        rows={feed?.notDelivered ?? []}
        empty={feed !== null && feed.notDelivered === null ? t("diagNotDeliveredUnknown") : t("diagNotDeliveredNone")}
        now={now}
        testId="diag-not-delivered"
      />

      <CallList title={t("diagSent")} calls={sent} now={now} testId="diag-sent" />
      <CallList title={t("diagHeard")} calls={heard} now={now} testId="diag-heard" />
    </>
  );
}

function ProblemList(props: { title: string; rows: readonly CallProblem[]; empty: string; now: number; testId: string }) {
  return (
    <Section title={props.title} testId={props.testId}>
      <Table<CallProblem>
        rows={props.rows.slice(0, 20)}
        rowKey={(r) => `${r.timeMs}:${r.sourceId}:${r.destinationId}`}
        empty={props.empty}
        rowClass={() => "problem"}
        columns={[
          { label: t("colWhen"), cell: (r) => <RelTime ms={r.timeMs} now={props.now} /> },
          { label: t("colSource"), cell: (r) => <span class="mono">{r.sourceId}</span> },
          { label: t("colTalkgroup"), cell: (r) => <Talkgroup id={r.destinationId} /> },
          { label: t("colSlot"), cell: (r) => t("slot", { slot: r.slot }) },
          { label: t("colReason"), cell: (r) => reasonText(r.reason) },
        ]}
      />
    </Section>
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
