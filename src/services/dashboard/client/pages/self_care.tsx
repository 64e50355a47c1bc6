/**
 * Self-care (issue 9 part 3): the owner of a hotspot sets static talkgroups per slot, the default
 * reflector, the user-activated timer, single mode and the prompt language.
 * GET/PUT /api/v1/hotspots/{id}/settings (docs/api.md "Self-care"); PUT is authenticated per
 * hotspot with the options KEY it sent or a per-hotspot secret, as a Bearer token. The secret stays
 * in memory (sessionStorage only when asked), never in the URL. The form sends only the fields the
 * owner changed; an empty field means "not set here" (null): the hotspot's own options decide.
 */
import { useState } from "preact/hooks";
import { Section } from "../components.tsx";
import { parseTalkgroupList } from "../format.ts";
import { navigate } from "../router.ts";
import { store } from "../store.ts";
import { t } from "../strings.ts";

export interface SelfCareSettings {
  ts1Static: number[] | null;
  ts2Static: number[] | null;
  defaultReflector: number | null;
  uaTimerMinutes: number | null;
  singleMode: boolean | null;
  language: string | null;
}

const LANGUAGES = ["en_GB", "en_US", "de_DE", "es_ES", "fr_FR", "it_IT", "pl_PL", "pt_PT", "dk_DK", "no_NO", "se_SE", "el_GR", "th_TH", "cy_GB", "CW"];

function readSettings(body: unknown): SelfCareSettings {
  const o = (body ?? {}) as Record<string, unknown>;
  const src = (o.settings ?? o) as Record<string, unknown>;
  const nums = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : null);
  return {
    ts1Static: nums(src.ts1Static),
    ts2Static: nums(src.ts2Static),
    defaultReflector: typeof src.defaultReflector === "number" ? src.defaultReflector : null,
    uaTimerMinutes: typeof src.uaTimerMinutes === "number" ? src.uaTimerMinutes : null,
    singleMode: typeof src.singleMode === "boolean" ? src.singleMode : null,
    language: typeof src.language === "string" && src.language !== "" ? src.language : null,
  };
}

interface FormFields {
  ts1: string;
  ts2: string;
  reflector: string;
  timer: string;
  /** "": not set here; "on" / "off". */
  single: string;
  language: string;
}

function formOf(s: SelfCareSettings): FormFields {
  return {
    ts1: s.ts1Static?.join(", ") ?? "",
    ts2: s.ts2Static?.join(", ") ?? "",
    reflector: s.defaultReflector === null ? "" : String(s.defaultReflector),
    timer: s.uaTimerMinutes === null ? "" : String(s.uaTimerMinutes),
    single: s.singleMode === null ? "" : s.singleMode ? "on" : "off",
    language: s.language ?? "",
  };
}

type Message = { kind: "ok" | "bad"; text: string } | null;

/** sessionStorage, which a browser in a private mode may refuse: then nothing is remembered. */
const session = {
  get(key: string): string | null {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      sessionStorage.setItem(key, value);
    } catch {
      // not remembered
    }
  },
  remove(key: string): void {
    try {
      sessionStorage.removeItem(key);
    } catch {
      // nothing to forget
    }
  },
};

function errorText(status: number, body: unknown): string {
  const o = (body ?? {}) as { code?: unknown; message?: unknown; error?: unknown };
  if (status === 401) return t("selfCareUnauthorized");
  if (status === 404 && typeof o.code !== "string") return t("selfCareUnavailable"); // an older server: no such route
  const text = typeof o.message === "string" ? o.message : typeof o.error === "string" ? o.error : `HTTP ${status}`;
  return text;
}

export function SelfCarePage(props: { repeaterId: number | null }) {
  const storageKey = (id: number) => `freedmr.selfcare.${id}`;
  const remembered = props.repeaterId !== null ? session.get(storageKey(props.repeaterId)) : null;
  const [idText, setIdText] = useState(props.repeaterId !== null ? String(props.repeaterId) : "");
  const [secret, setSecret] = useState(remembered ?? "");
  const [remember, setRemember] = useState(remembered !== null);
  const [loaded, setLoaded] = useState<SelfCareSettings | null>(null);
  const [form, setForm] = useState<FormFields>(formOf(readSettings({})));
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  const id = /^\d{1,10}$/.test(idText) ? Number(idText) : null;
  const path = (n: number) => `/api/v1/hotspots/${n}/settings`;
  const headers = (): Record<string, string> => ({ authorization: `Bearer ${secret}`, "content-type": "application/json" });

  const signIn = async (event: Event) => {
    event.preventDefault();
    if (id === null) return;
    setBusy(true);
    setMessage(null);
    try {
      const { status, body } = await store.getJson(path(id), { headers: headers() });
      if (status !== 200) {
        setLoaded(null);
        return setMessage({ kind: "bad", text: errorText(status, body) });
      }
      if ((body as { selfCare?: unknown } | null)?.selfCare === false) {
        setLoaded(null);
        return setMessage({ kind: "bad", text: t("selfCareUnavailable") });
      }
      if (remember) session.set(storageKey(id), secret);
      else session.remove(storageKey(id));
      const settings = readSettings(body);
      setLoaded(settings);
      setForm(formOf(settings));
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
    const lists: (number[] | null)[] = [];
    for (const text of [form.ts1, form.ts2]) {
      if (text.trim() === "") {
        lists.push(null);
        continue;
      }
      const parsed = parseTalkgroupList(text);
      if (!parsed.ok) return setMessage({ kind: "bad", text: t("selfCareBadTg", { value: parsed.bad }) });
      lists.push(parsed.value);
    }
    const numberOrNull = (text: string) => (text.trim() === "" ? null : Number(text));
    const wanted: SelfCareSettings = {
      ts1Static: lists[0] ?? null,
      ts2Static: lists[1] ?? null,
      defaultReflector: numberOrNull(form.reflector),
      uaTimerMinutes: numberOrNull(form.timer),
      singleMode: form.single === "" ? null : form.single === "on",
      language: form.language === "" ? null : form.language,
    };
    const changes: Partial<Record<keyof SelfCareSettings, unknown>> = {};
    for (const key of Object.keys(wanted) as (keyof SelfCareSettings)[]) {
      if (JSON.stringify(wanted[key]) !== JSON.stringify(loaded[key])) changes[key] = wanted[key];
    }
    setBusy(true);
    setMessage(null);
    try {
      const { status, body } = await store.getJson(path(id), { method: "PUT", headers: headers(), body: JSON.stringify(changes) });
      if (status !== 200) return setMessage({ kind: "bad", text: errorText(status, body) });
      const settings = readSettings(body);
      setLoaded(settings);
      setForm(formOf(settings));
      const live = (body as { appliedLive?: unknown } | null)?.appliedLive === true;
      setMessage({ kind: "ok", text: live ? t("selfCareSaved") : t("selfCareSavedOffline") });
    } catch (error) {
      setMessage({ kind: "bad", text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const field = (key: keyof FormFields) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });

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
        <button type="submit" name="signIn" disabled={busy || id === null}>
          {t("selfCareLoad")}
        </button>
      </form>
      {loaded !== null ? (
        <form class="form" onSubmit={save} data-testid="self-care-form">
          <label>
            {t("selfCareTs1")}
            <input name="ts1Static" value={form.ts1} placeholder={t("selfCareTgHelp")} onInput={field("ts1")} />
          </label>
          <label>
            {t("selfCareTs2")}
            <input name="ts2Static" value={form.ts2} placeholder={t("selfCareTgHelp")} onInput={field("ts2")} />
          </label>
          <label>
            {t("selfCareReflector")}
            <input name="defaultReflector" type="number" min="0" max="16777215" value={form.reflector} placeholder={t("selfCareUnset")} onInput={field("reflector")} />
          </label>
          <label>
            {t("selfCareTimer")}
            <input name="uaTimerMinutes" type="number" min="0" max="1440" value={form.timer} placeholder={t("selfCareUnset")} onInput={field("timer")} />
          </label>
          <label>
            {t("selfCareSingle")}
            <select name="singleMode" value={form.single} onChange={field("single")}>
              <option value="">{t("selfCareUnset")}</option>
              <option value="on">{t("on")}</option>
              <option value="off">{t("off")}</option>
            </select>
          </label>
          <label>
            {t("selfCareLanguage")}
            <select name="language" value={form.language} onChange={field("language")}>
              <option value="">{t("selfCareUnset")}</option>
              {LANGUAGES.map((l) => (
                <option value={l}>{l}</option>
              ))}
            </select>
          </label>
          <button type="submit" name="save" disabled={busy}>
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
