/**
 * The live dashboard (issue 9 part 2): a Preact single-page app in ./client, served by Bun.serve
 * through an HTML import. Run from source, Bun bundles page.html (TSX, CSS) on first request;
 * `bun build --compile` bundles it at build time and embeds the result in the binary, so a Pi
 * that is offline still gets the whole page (no CDN, no fonts, no external request at all). This
 * works the same inside the services Worker (checked from source and compiled).
 *
 * The HTTP server mounts it as Bun.serve's `routes` (or spreads it into its own): every dashboard
 * path answers the same page, the client-side router picks the view, and Bun serves the bundled
 * chunks it references. The page reads only its own origin: the JSON API under /api/v1 and the
 * WebSocket /api/v1/live (docs/dashboard-needs.md).
 * @module
 */
import page from "./page.html";

/** Paths the dashboard answers (none under /api or /metrics). */
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

export type DashboardPath = (typeof DASHBOARD_PATHS)[number];

/** Bun.serve `routes`: every dashboard path serves the bundled page. */
export const dashboardRoutes: Record<DashboardPath, typeof page> = Object.fromEntries(DASHBOARD_PATHS.map((path) => [path, page])) as Record<DashboardPath, typeof page>;
