/**
 * PLACEHOLDER owned by the dashboard work (branch h/dash): the browser UI's routes for Bun.serve,
 * e.g. `{ "/": indexHtml }` with `import indexHtml from "./index.html"` (Bun bundles and embeds the
 * page, its scripts and styles, also in the compiled binary). The services Worker
 * (src/services/worker/main.ts) mounts these before its API routes. Replace this file freely.
 * @module
 */
export const dashboardRoutes: Record<string, unknown> = {};
