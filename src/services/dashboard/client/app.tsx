/** The page shell: header with navigation, connection state and theme toggle; the routed view. */
import { useEffect, useState } from "preact/hooks";
import { DiagnosticsPage } from "./pages/diagnostics.tsx";
import { HotspotsPage } from "./pages/hotspots.tsx";
import { LastHeardPage } from "./pages/last_heard.tsx";
import { LinksPage } from "./pages/links.tsx";
import { NowPage } from "./pages/now.tsx";
import { SelfCarePage } from "./pages/self_care.tsx";
import { TalkgroupsPage } from "./pages/talkgroups.tsx";
import { onLinkClick, usePath } from "./router.ts";
import { t, type StringKey } from "./strings.ts";
import { useDashboard, type Connection } from "./store.ts";

const NAV: { path: string; label: StringKey }[] = [
  { path: "/", label: "navNow" },
  { path: "/last-heard", label: "navLastHeard" },
  { path: "/hotspots", label: "navHotspots" },
  { path: "/talkgroups", label: "navTalkgroups" },
  { path: "/links", label: "navLinks" },
  { path: "/self-care", label: "navSelfCare" },
];

type Theme = "auto" | "light" | "dark";
const THEME_KEY = "freedmr.theme";

function storedTheme(): Theme {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === "light" || value === "dark" ? value : "auto";
  } catch {
    return "auto";
  }
}

function applyTheme(theme: Theme): void {
  if (theme === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", theme);
}

function route(path: string) {
  const hotspot = /^\/hotspots\/(\d{1,10})\/?$/.exec(path);
  if (hotspot !== null) return <DiagnosticsPage repeaterId={Number(hotspot[1])} />;
  const selfCare = /^\/self-care(?:\/(\d{1,10}))?\/?$/.exec(path);
  if (selfCare !== null) return <SelfCarePage repeaterId={selfCare[1] !== undefined ? Number(selfCare[1]) : null} />;
  switch (path) {
    case "/last-heard":
      return <LastHeardPage />;
    case "/hotspots":
      return <HotspotsPage />;
    case "/talkgroups":
      return <TalkgroupsPage />;
    case "/links":
      return <LinksPage />;
    default:
      return <NowPage />;
  }
}

const CONNECTION_TEXT: Record<Connection, [StringKey, StringKey]> = {
  live: ["connLive", "connTitleLive"],
  polling: ["connPolling", "connTitlePolling"],
  connecting: ["connConnecting", "connTitlePolling"],
  offline: ["connOffline", "connTitleOffline"],
};

export function App() {
  const path = usePath();
  const store = useDashboard();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => applyTheme(theme), [theme]);
  const nextTheme: Theme = theme === "auto" ? "dark" : theme === "dark" ? "light" : "auto";
  const active = (p: string) => (p === "/" ? path === "/" || path === "/now" : path.startsWith(p));
  const [label, title] = CONNECTION_TEXT[store.connection];
  return (
    <div class="shell" onClick={onLinkClick}>
      <header class="top">
        <a href="/" class="brand">
          <span class="dot" aria-hidden="true" />
          {t("appName")}
        </a>
        <nav aria-label="main">
          {NAV.map((n) => (
            <a href={n.path} aria-current={active(n.path) ? "page" : undefined}>
              {t(n.label)}
            </a>
          ))}
        </nav>
        <div class="tools">
          <span class={`conn ${store.connection}`} title={title} data-testid="connection">
            {t(label)}
          </span>
          <button
            type="button"
            class="theme"
            data-testid="theme-toggle"
            title={t(theme === "auto" ? "themeAuto" : theme === "dark" ? "themeDark" : "themeLight")}
            onClick={() => {
              applyTheme(nextTheme); // at once, not after the next paint
              setTheme(nextTheme);
              try {
                if (nextTheme === "auto") localStorage.removeItem(THEME_KEY);
                else localStorage.setItem(THEME_KEY, nextTheme);
              } catch {
                // private mode: the choice lasts for this page
              }
            }}
          >
            {theme === "auto" ? "◐" : theme === "dark" ? "☾" : "☀"}
          </button>
        </div>
      </header>
      <main>{route(path)}</main>
      <footer class="foot">{t("footer", { version: store.state.status?.version ?? "" })}</footer>
    </div>
  );
}
