/**
 * The live dashboard (issue 9 part 2): a Preact single-page app in ./client, served by Bun.serve
 * through an HTML import. Run from source, Bun bundles page.html (TSX, CSS) on first request;
 * `bun build --compile` bundles it at build time and embeds the result in the binary, so a Pi
 * that is offline still gets the whole page (no CDN, no fonts, no external request at all).
 *
 * The HTTP server mounts it with one spread: `routes: { ...dashboardRoutes(), … }`. The page
 * reads only its own origin: the JSON API under /api/v1 and the WebSocket /api/v1/live
 * (docs/dashboard-needs.md is the contract).
 * @module
 */
import page from "./page.html";

/** Paths the dashboard answers (the client-side router shows the matching page). */
export const DASHBOARD_PATHS = [
  "/",
  "/now",
  "/last-heard",
  "/hotspots",
  "/hotspots/*",
  "/talkgroups",
  "/links",
  "/self-care",
  "/self-care/*",
] as const;

export type DashboardPage = typeof page;

/** Routes for Bun.serve's `routes` option: every dashboard path serves the bundled page. */
export function dashboardRoutes(): Record<(typeof DASHBOARD_PATHS)[number], DashboardPage> {
  const routes = {} as Record<(typeof DASHBOARD_PATHS)[number], DashboardPage>;
  for (const path of DASHBOARD_PATHS) routes[path] = page;
  return routes;
}
