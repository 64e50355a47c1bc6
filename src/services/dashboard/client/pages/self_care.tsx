/**
 * Self-care (issue 9 part 3): the owner of a hotspot sets static talkgroups per slot, the default
 * reflector, the user-activated timer, single mode and the prompt language. Authenticated per
 * hotspot with the options KEY it sent or a per-hotspot secret, sent as a Bearer token
 * (docs/dashboard-needs.md §4). The secret stays in memory (sessionStorage only when asked), never
 * in the URL; the form sends only the fields the owner changed.
 */
import { useState } from "preact/hooks";
import { Section } from "../components.tsx";
import { parseTalkgroupList } from "../format.ts";
import { t } from "../strings.ts";
import { navigate } from "../router.ts";
import { store } from "../store.ts";

export interface SelfCareSettings {
  ts1Static: number[];
  ts2Static: number[];
  defaultReflector: number;
  uaTimerMinutes: number;
  singleMode: boolean;
  language: string;
}

const LANGUAGES = ["en_GB", "en_US", "de_DE", "es_ES", "fr_FR", "it_IT", "pl_PL", "pt_PT", "dk_DK", "no_NO", "se_SE", "el_GR", "th_TH", "cy_GB", "CW"];

function readSettings(body: unknown): SelfCareSettings {
  const o = (body ?? {}) as Record<string, unknown>;
  const src = (o.settings ?? o.applied ?? o) as Record<string, unknown>;
  const nums = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : []);
  return {
    ts1Static: nums(src.ts1Static),
    ts2Static: nums(src.ts2Static),
    defaultReflector: typeof src.defaultReflector === "number" ? src.defaultReflector : 0,
    uaTimerMinutes: typeof src.uaTimerMinutes === "number" ? src.uaTimerMinutes : 0,
    singleMode: src.singleMode === true,
    language: typeof src.language === "string" ? src.language : "",
  };
}

type Message = { kind: "ok" | "bad"; text: string } | null;

export function SelfCarePage(props: { repeaterId: number | null }) {
  const remembered = props.repeaterId !== null ? sessionStorage.getItem(`freedmr.selfcare.${props.repeaterId}`) : null;
  const [idText, setIdText] = useState(props.repeaterId !== null ? String(props.repeaterId) : "");
  const [secret, setSecret] = useState(remembered ?? "");
  const [remember, setRemember] = useState(remembered !== null);
  const [loaded, setLoaded] = useState<SelfCareSettings | null>(null);
  const [form, setForm] = useState({ ts1: "", ts2: "", reflector: "0", timer: "0", single: false, language: "" });
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  const id = /^\d{1,10}$/.test(idText) ? Number(idText) : null;

  const headers = (): Record<string, string> => ({ authorization: `Bearer ${secret}`, "content-type": "application/json" });

  const explain = (status: number, body: unknown): string => {
    if (status === 401 || status === 403) return t("selfCareUnauthorized");
    if (status === 404 || status === 405 || status === 501) {
      const error = (body as { error?: unknown } | null)?.error;
      return typeof error === "string" && !/no such endpoint/i.test(error) ? error : t("selfCareUnavailable");
    }
    const error = (body as { error?: unknown } | null)?.error;
    return typeof error === "string" ? error : `HTTP ${status}`;
  };

  const signIn = async (event: Event) => {
    event.preventDefault();
    if (id === null) return;
    setBusy(true);
    setMessage(null);
    try {
      const { status, body } = await store.getJson(`/api/v1/hotspots/${id}/self-care`, { headers: headers() });
      if (status !== 200) {
        setMessage({ kind: "bad", text: explain(status, body) });
        setLoaded(null);
        return;
      }
      if (remember) sessionStorage.setItem(`freedmr.selfcare.${id}`, secret);
      else sessionStorage.removeItem(`freedmr.selfcare.${id}`);
      const settings = readSettings(body);
      setLoaded(settings);
      setForm({
        ts1: settings.ts1Static.join(", "),
        ts2: settings.ts2Static.join(", "),
        reflector: String(settings.defaultReflector),
        timer: String(settings.uaTimerMinutes),
        single: settings.singleMode,
        language: settings.language,
      });
      if (props.repeaterId !== id) navigate(`/self-care/${id}`);
    } catch (error) {
      setMessage({ kind: "bad", text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    if (id === null || loaded === null) return;
    const ts1 = parseTalkgroupList(form.ts1);
    const ts2 = parseTalkgroupList(form.ts2);
    for (const parsed of [ts1, ts2]) if (!parsed.ok) return setMessage({ kind: "bad", text: t("selfCareBadTg", { value: parsed.bad }) });
    const changes: Partial<SelfCareSettings> = {};
    if (ts1.ok && ts1.value.join() !== loaded.ts1Static.join()) changes.ts1Static = ts1.value;
    if (ts2.ok && ts2.value.join() !== loaded.ts2Static.join()) changes.ts2Static = ts2.value;
    if (Number(form.reflector) !== loaded.defaultReflector) changes.defaultReflector = Number(form.reflector);
    if (Number(form.timer) !== loaded.uaTimerMinutes) changes.uaTimerMinutes = Number(form.timer);
    if (form.single !== loaded.singleMode) changes.singleMode = form.single;
    if (form.language !== loaded.language) changes.language = form.language;
    setBusy(true);
    setMessage(null);
    try {
      const { status, body } = await store.getJson(`/api/v1/hotspots/${id}/self-care`, { method: "PUT", headers: headers(), body: JSON.stringify(changes) });
      if (status !== 200) return setMessage({ kind: "bad", text: explain(status, body) });
      const rejected = Array.isArray((body as { rejected?: unknown }).rejected) ? ((body as { rejected: { field?: string; reason?: string }[] }).rejected) : [];
      setLoaded(readSettings(body));
      setMessage(
        rejected.length > 0
          ? { kind: "bad", text: rejected.map((r) => t("selfCareRejected", { field: String(r.field ?? "?"), reason: String(r.reason ?? "") })).join(" ") }
          : { kind: "ok", text: t("selfCareSaved") },
      );
    } catch (error) {
      setMessage({ kind: "bad", text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title={t("selfCareTitle")} testId="self-care">
      <p class="note">{t("selfCareIntro")}</p>
      <form class="form" onSubmit={signIn} data-testid="self-care-login" autocomplete="off">
        <label>
          {t("selfCareId")}
          <input name="repeaterId" inputMode="numeric" required pattern="\d{1,10}" value={idText} onInput={(e) => setIdText((e.currentTarget as HTMLInputElement).value.trim())} />
        </label>
        <label>
          {t("selfCareSecret")}
          <input name="secret" type="password" required value={secret} onInput={(e) => setSecret((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember((e.currentTarget as HTMLInputElement).checked)} />
          {t("selfCareRemember")}
        </label>
        <button type="submit" disabled={busy || id === null}>
          {t("selfCareLoad")}
        </button>
      </form>
      {loaded !== null ? (
        <form class="form" onSubmit={save} data-testid="self-care-form">
          <label>
            {t("selfCareTs1")}
            <input name="ts1Static" value={form.ts1} placeholder={t("selfCareTgHelp")} onInput={(e) => setForm({ ...form, ts1: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            {t("selfCareTs2")}
            <input name="ts2Static" value={form.ts2} placeholder={t("selfCareTgHelp")} onInput={(e) => setForm({ ...form, ts2: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            {t("selfCareReflector")}
            <input name="defaultReflector" type="number" min="0" max="16777215" value={form.reflector} onInput={(e) => setForm({ ...form, reflector: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            {t("selfCareTimer")}
            <input name="uaTimerMinutes" type="number" min="0" max="1440" value={form.timer} onInput={(e) => setForm({ ...form, timer: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label class="check">
            <input name="singleMode" type="checkbox" checked={form.single} onChange={(e) => setForm({ ...form, single: (e.currentTarget as HTMLInputElement).checked })} />
            {t("selfCareSingle")}
          </label>
          <label>
            {t("selfCareLanguage")}
            <select name="language" value={form.language} onChange={(e) => setForm({ ...form, language: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{t("unknown")}</option>
              {LANGUAGES.map((l) => (
                <option value={l}>{l}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            {t("selfCareSave")}
          </button>
        </form>
      ) : null}
      {message !== null ? (
        <p class={`message ${message.kind}`} role="status" data-testid="self-care-message">
          {message.text}
        </p>
      ) : null}
    </Section>
  );
}
