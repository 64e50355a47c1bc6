/** Browser entry: language, theme, the store's live feed, then the app. */
import { render } from "preact";
import { App } from "./app.tsx";
import { setFormatLocale } from "./format.ts";
import { setLanguage } from "./strings.ts";
import { store } from "./store.ts";

const language = setLanguage(navigator.language || "en");
setFormatLocale(language);
document.documentElement.lang = language;
try {
  const theme = localStorage.getItem("freedmr.theme");
  if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
} catch {
  // storage unavailable
}
store.start();
const root = document.getElementById("app");
if (root !== null) {
  root.textContent = "";
  render(<App />, root);
}
