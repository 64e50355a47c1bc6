/**
 * The dashboard inside the compiled x64 binary (dist/freedmr-linux-x64, built if stale), run from a
 * directory without the sources: the page, its script and stylesheet are embedded (Bun's HTML
 * import bundled at build time) and served by the services Worker; in chromium the page goes live
 * over the WebSocket and shows a hotspot that logs in over real UDP. Ports are chosen at run time.
 * Chromium missing: the HTTP half still runs; the browser half FAILS under CI=true and skips elsewhere.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startFreedmr, type FreedmrProcess } from "../cli/support/freedmr_process.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { browserTestsEnabled, launchChromium, openPage, PHONE, screenshot } from "./support/browser.ts";

const isX64 = process.arch === "x64" && process.platform === "linux";
const work = mkdtempSync(join(tmpdir(), "freedmr-dashboard-binary-"));
let binary = "";
let server: FreedmrProcess | null = null;
let url = "";

beforeAll(async () => {
  if (!isX64) return;
  binary = await ensureBinary("x64");
  const config = join(work, "freedmr.toml");
  writeFileSync(config, `[log]\nformat = "json"\n\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\n\n[http]\nbind_address = "127.0.0.1"\nport = 0\n`);
  server = await startFreedmr([binary, "--config", config], { cwd: work });
  const deadline = performance.now() + 20_000;
  for (;;) {
    const line = server.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("dashboard and API on"));
    if (line !== undefined) {
      url = String(line["url"]);
      break;
    }
    if (performance.now() > deadline) throw new Error(`no dashboard line in the log:\n${server.stdoutText()}\n${server.stderrText()}`);
    await Bun.sleep(20);
  }
}, 600_000);

afterAll(async () => {
  if (server !== null) expect(await server.stop("SIGTERM")).toBe(0);
  rmSync(work, { recursive: true, force: true });
});

describe.if(isX64)("dashboard in the compiled binary", () => {
  test("the log names the dashboard URL; every page path, the script and the stylesheet are served from the binary", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const root = await fetch(url);
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toContain("text/html");
    const html = await root.text();
    for (const path of ["/now", "/hotspots/2345601", "/self-care", "/links"]) expect(await (await fetch(new URL(path, url))).text()).toBe(html);
    const script = html.match(/<script[^>]*\ssrc="([^"]+)"/)?.[1];
    const style = html.match(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    const js = await fetch(new URL(script!, url));
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("Calls in progress");
    const css = await fetch(new URL(style!, url));
    expect(css.status).toBe(200);
    expect(await css.text()).toContain("prefers-color-scheme");
    expect(server!.stderrText()).not.toContain("ModuleNotFound");
  });

  test.if(browserTestsEnabled())("in chromium the page goes live and shows a hotspot that logs in", async () => {
    const chrome = await launchChromium();
    const client = await HbpClient.open({ serverPort: server!.port, repeaterId: 2345602, passphrase: "passw0rd", callsign: "G4BIN", location: "Binary town", options: "TS1=91;" });
    try {
      const { page, foreignRequests, consoleErrors } = await openPage(chrome.browser, url, { viewport: PHONE, colorScheme: "dark", isMobile: true });
      await page.goto(new URL("/hotspots", url).href);
      await page.waitForFunction("document.querySelector('[data-testid=connection]')?.textContent === 'live'", undefined, { timeout: 20_000 });
      await client.login({ passphrase: "passw0rd" });
      await page.waitForFunction("document.querySelector('[data-testid=hotspots-table]')?.textContent.includes('Binary town')", undefined, { timeout: 20_000 });
      const text = (await page.textContent("[data-testid=hotspots-table]")) ?? "";
      expect(text).toContain("G4BIN");
      expect(text).toContain("91");
      expect(text).not.toContain("127.0.0.1");
      await screenshot(page, "binary-hotspots-phone-dark");
      expect(foreignRequests).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await client.close();
      await chrome.close();
    }
  }, 90_000);
});
