/**
 * Debian's chromium driven by playwright-core. Missing chromium FAILS under CI=true (.ci/run
 * installs it) and skips with a message elsewhere. Launched headless, sandbox off (tests run as
 * root), no network services of its own (no sync, no component updates, no background fetches),
 * with a fresh profile per launch (playwright makes a temporary --user-data-dir and removes it).
 *
 * Screenshots go to test-artifacts/dashboard/ (gitignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dir, "..", "..", "..", "test-artifacts", "dashboard");

const onCi = process.env.CI === "true";
export const haveChromium = existsSync(CHROMIUM_PATH);

/** Whether the browser tests run here; prints why not. Under CI=true a missing chromium is an error. */
export function browserTestsEnabled(): boolean {
  if (haveChromium) return true;
  if (onCi) return true; // the launch below fails loudly
  console.warn(`dashboard browser tests skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return false;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!haveChromium) throw new Error(`chromium is required for the dashboard tests (CI=true) but ${CHROMIUM_PATH} does not exist: .ci/run installs Debian's chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    timeout: 60_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

export const DESKTOP = { width: 1280, height: 860 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * A page that may only talk to `origin`: any request elsewhere is aborted and recorded, so a test
 * can assert the dashboard makes no external request at all.
 */
export async function openPage(
  browser: Browser,
  origin: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark"; isMobile?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; foreignRequests: string[]; consoleErrors: string[] }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme ?? "light",
    isMobile: options.isMobile ?? false,
    hasTouch: options.isMobile ?? false,
    locale: "en-GB",
  });
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  const allowed = new URL(origin);
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.host === allowed.host || url.protocol === "data:") return route.continue();
    foreignRequests.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  return { context, page, foreignRequests, consoleErrors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
