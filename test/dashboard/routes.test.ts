/**
 * The dashboard's routes over a real socket (Bun.serve on 127.0.0.1, port 0): every page path
 * answers the bundled page, its script and stylesheet are served from this origin, API paths are
 * not taken, and nothing in the page refers to another host (no CDN, no web fonts: a Pi may be
 * offline). The compiled binary is checked in binary_dashboard.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DASHBOARD_PATHS, dashboardRoutes } from "../../src/services/dashboard/routes.ts";

let server: ReturnType<typeof Bun.serve>;
let base = "";

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    routes: dashboardRoutes,
    fetch: (request) => Response.json({ fallthrough: new URL(request.url).pathname }, { status: 404 }),
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

/** The page and the assets it references (same-origin paths). */
async function page(path = "/"): Promise<{ html: string; scripts: string[]; styles: string[] }> {
  const response = await fetch(base + path);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/html");
  const html = await response.text();
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  return { html, scripts, styles };
}

/** URLs to other hosts, except XML namespace names (Preact names the SVG namespace; nothing is fetched). */
function foreignUrls(text: string): string[] {
  return [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)].map((m) => m[0]).filter((u) => !/^https?:\/\/www\.w3\.org\//.test(u));
}

describe("dashboard routes", () => {
  test("every dashboard path answers the same page; the script and stylesheet come from this origin", async () => {
    const first = await page("/");
    expect(first.scripts.length).toBe(1);
    expect(first.styles.length).toBe(1);
    for (const path of DASHBOARD_PATHS) {
      const concrete = path.replace("*", "2345601");
      expect((await page(concrete)).html).toBe(first.html);
    }
    const script = await fetch(base + first.scripts[0]!);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    const js = await script.text();
    expect(js).toContain("Calls in progress"); // the strings table is in the bundle
    expect(js).toContain("/api/v1/live");
    const style = await fetch(base + first.styles[0]!);
    expect(style.status).toBe(200);
    const css = await style.text();
    expect(css).toContain("prefers-color-scheme");
    expect(css).toContain("data-label"); // phone cards
  });

  test("no reference to another host in the page, its script or its stylesheet", async () => {
    const { html, scripts, styles } = await page("/");
    const texts = [html, ...(await Promise.all([...scripts, ...styles].map(async (p) => (await fetch(base + p)).text())))];
    for (const text of texts) {
      expect(foreignUrls(text)).toEqual([]);
      expect(text).not.toMatch(/@import|@font-face|fonts\.googleapis|cdn\./i);
    }
  });

  test("API and metrics paths are left to the server's own handler", async () => {
    for (const path of ["/api/v1/status", "/api/v1/live", "/metrics", "/api/v1/hotspots/2345601/diagnostics"]) {
      const response = await fetch(base + path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ fallthrough: path });
    }
  });
});
