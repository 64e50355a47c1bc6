/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the real
 * server: hotspots log in over UDP (test/support/hbp_client.ts), calls are sent in real time with
 * a talker alias, and the page follows over the live WebSocket. Screenshots (desktop and phone,
 * light and dark) go to test-artifacts/dashboard/ (not committed).
 *
 * Chromium missing: FAILS under CI=true, skips with a message elsewhere (support/browser.ts).
 * Every wait is "until it shows, or give up" (no timing assertions).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { HbpClient } from "../support/hbp_client.ts";
import { browserTestsEnabled, DESKTOP, launchChromium, openPage, PHONE, screenshot, type LaunchedBrowser } from "./support/browser.ts";
import { loginHotspot, startDashboardServer, type DashboardServer } from "./support/dashboard_server.ts";
import { startLiveCall } from "./support/live_call.ts";

const PASSPHRASE = "hbp-Secret-of-this-server";
const OWNER_KEY = "owner-Key-7731";
const LINK_SECRET = "link-Secret-0penbridge";
const enabled = browserTestsEnabled();
const WAIT_MS = 15_000;

let chrome: LaunchedBrowser | null = null;
let ds: DashboardServer | null = null;
let silentPeer: { close(): void } | null = null;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  if (!enabled) return;
  chrome = await launchChromium();
  // A stream ends after 360 ms of silence by default; this test process also drives a browser and
  // may pause longer than that on a busy machine, so its real-time calls get more slack.
  // An OpenBridge link to a UDP port that never answers, for the links page.
  const silent = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  silentPeer = silent;
  ds = await startDashboardServer({
    hbp: { passphrase: PASSPHRASE },
    http: { self_care: true },
    routing: { stream_timeout_ms: 5000 },
    server: { server_id: 2345 },
    openbridge: [{ name: "ob-club", bind_address: "127.0.0.1", port: 0, target_address: "127.0.0.1", target_port: silent.port, passphrase: LINK_SECRET, network_id: 4321, protocol: 1 }],
  });
}, 90_000);

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning up
    }
  }
});

afterAll(async () => {
  await chrome?.close();
  await ds?.stop();
  silentPeer?.close();
});

async function hotspot(fields: Parameters<typeof loginHotspot>[1]): Promise<HbpClient> {
  const client = await loginHotspot(ds!, { passphrase: PASSPHRASE, ...fields });
  cleanups.push(() => client.close());
  return client;
}

async function browse(path: string, options: Parameters<typeof openPage>[2] = {}) {
  const opened = await openPage(chrome!.browser, ds!.url, options);
  cleanups.push(() => opened.context.close());
  await opened.page.goto(new URL(path, ds!.url).href);
  return opened;
}

/** The text of the element matching `selector` once `predicate` holds for it, else a clear failure. */
async function waitForText(page: Page, selector: string, predicate: (text: string) => boolean, what: string): Promise<string> {
  const deadline = performance.now() + WAIT_MS;
  let last = "";
  while (performance.now() < deadline) {
    // Read the DOM directly: a locator would wait for the element to exist (30 s by default),
    // which is this loop's job.
    last = String((await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`).catch(() => "")) ?? "");
    if (predicate(last)) return last;
    await Bun.sleep(50);
  }
  throw new Error(`gave up waiting for ${what} in ${selector}; last text: ${JSON.stringify(last.slice(0, 400))}`);
}

/** What must never be on a public page. */
function assertPublic(text: string, secrets: readonly string[]): void {
  expect(text).not.toContain("127.0.0.1");
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe.if(enabled)("dashboard in chromium", () => {
  test("a hotspot logs in and appears live on the hotspots page (desktop light, phone dark); no address, no secret, no external request", async () => {
    const desktop = await browse("/hotspots", { viewport: DESKTOP, colorScheme: "light" });
    await waitForText(desktop.page, "[data-testid=connection]", (t) => t === "live", "the live feed");
    const client = await hotspot({ callsign: "G4ABC", location: "Leeds, IO93fs", options: `TS2=3100;TS1=91;KEY=${OWNER_KEY}` });
    const row = await waitForText(desktop.page, "[data-testid=hotspots-table] tbody", (t) => t.includes("G4ABC") && t.includes("Leeds"), "the new hotspot");
    expect(row).toContain(String(client.repeaterId));
    expect(row).toContain("3100");
    expect(row).toContain("91");
    expect(row).toContain("IPv4");
    await screenshot(desktop.page, "hotspots-desktop-light");
    // search narrows the list
    await desktop.page.fill("input[type=search]", "no-such-place");
    await waitForText(desktop.page, "[data-testid=hotspots]", (t) => !t.includes("G4ABC"), "the list to narrow");
    await desktop.page.fill("input[type=search]", "leeds 3100");
    await waitForText(desktop.page, "[data-testid=hotspots-table] tbody", (t) => t.includes("G4ABC"), "the hotspot found by location and talkgroup");
    await desktop.page.fill("input[type=search]", "");

    const phone = await browse("/hotspots", { viewport: PHONE, colorScheme: "dark", isMobile: true });
    await waitForText(phone.page, "[data-testid=hotspots-table] tbody", (t) => t.includes("G4ABC"), "the hotspot on a phone");
    // a phone shows cards: the table head is hidden, each cell carries its label
    expect(await phone.page.locator("[data-testid=hotspots-table] thead").isVisible()).toBe(false);
    const background = await phone.page.evaluate("getComputedStyle(document.body).backgroundColor");
    expect(background).not.toBe("rgb(245, 246, 248)"); // the dark palette, not the light one
    const width = (await phone.page.evaluate("document.documentElement.scrollWidth")) as number;
    expect(width).toBeLessThanOrEqual(PHONE.width); // no sideways scrolling
    await screenshot(phone.page, "hotspots-phone-dark");

    // the theme toggle: auto → dark → light, remembered by the page
    await desktop.page.click("[data-testid=theme-toggle]");
    expect(await desktop.page.getAttribute("html", "data-theme")).toBe("dark");
    await desktop.page.click("[data-testid=theme-toggle]");
    expect(await desktop.page.getAttribute("html", "data-theme")).toBe("light");
    await desktop.page.reload();
    expect(await desktop.page.getAttribute("html", "data-theme")).toBe("light");

    for (const { page } of [desktop, phone]) assertPublic((await page.content()) ?? "", [PASSPHRASE, OWNER_KEY]);
    expect(desktop.foreignRequests).toEqual([]);
    expect(phone.foreignRequests).toEqual([]);
    expect(desktop.consoleErrors).toEqual([]);
  }, 60_000);

  test("a call shows live on the now page with a ticking duration and its talker alias; the talker's dynamic talkgroup shows with its expiry", async () => {
    const talker = await hotspot({ callsign: "M0TLK" }); // no static talkgroup: keying up makes a dynamic one
    const listener = await hotspot({ callsign: "M0LSN", options: "TS2=2350;" });
    const { page, foreignRequests, consoleErrors } = await browse("/", { viewport: DESKTOP, colorScheme: "dark" });
    await waitForText(page, "[data-testid=connection]", (t) => t === "live", "the live feed");

    const call = startLiveCall(talker, { sourceId: 2_351_234, destinationId: 2350, slot: 2, talkerAlias: "M0TLK Tom" });
    cleanups.push(() => call.end());
    const row = await waitForText(page, "[data-testid=now-calls-table] tbody", (t) => t.includes("2351234"), "the call in progress");
    expect(row).toContain("TG 2350");
    expect(row).toContain("TS2");
    expect(row).toContain("M0TLK"); // where it entered
    const first = await waitForText(page, "[data-testid=now-calls-table] tbody td.num", (t) => t !== "", "the running duration");
    await waitForText(page, "[data-testid=now-calls-table] tbody td.num", (t) => t !== first, "the running duration to tick");
    expect(await listener.waitForDmrd((f) => f.streamId === call.streamId, WAIT_MS)).not.toBeNull();

    // The alias rides in the embedded LCs of the superframes after the first (one LC per
    // superframe: header, then blocks); the server announces it once complete, during the call.
    const withAlias = await waitForText(page, "[data-testid=now-calls-table] tbody", (t) => t.includes("M0TLK Tom"), "the talker alias while the call is in progress");
    expect(withAlias).toContain("2351234");
    await screenshot(page, "now-call-desktop-dark");
    await call.end();

    const heard = await waitForText(page, "[data-testid=just-heard-table] tbody", (t) => t.includes("M0TLK Tom"), "the finished call with its talker alias");
    expect(heard).toContain("2351234");
    expect(heard).toContain("TG 2350");
    await waitForText(page, "[data-testid=now-calls]", (t) => !t.includes("2351234"), "the call to leave the calls in progress");
    await screenshot(page, "now-after-call-desktop-dark");

    // The talker now has TG 2350 as a dynamic talkgroup on TS2, with its expiry.
    await page.click("nav a[href='/hotspots']");
    const talkerRow = await waitForText(page, "[data-testid=hotspots-table] tbody", (t) => /M0TLK.*2350 in \d+ min/.test(t), "the talker's dynamic talkgroup with its expiry");
    expect(talkerRow).toContain("M0LSN");
    expect(await page.locator(".badge.warn", { hasText: "2350" }).count()).toBe(1); // dynamic (M0TLK) vs static (M0LSN)
    expect(await page.locator(".badge.ok", { hasText: "2350" }).count()).toBe(1);

    // The talkgroups page: TG 2350 with both hotspots subscribed, its call counted, the last talker.
    await page.click("nav a[href='/talkgroups']");
    const tg = await waitForText(page, "[data-testid=talkgroups-table] tbody", (t) => t.includes("TG 2350") && t.includes("2351234"), "TG 2350 with its activity");
    expect(tg).toContain("M0TLK");
    expect(tg).toContain("M0LSN");
    await screenshot(page, "talkgroups-desktop-dark");

    const lastHeard = await browse("/last-heard?q=tom", { viewport: PHONE, colorScheme: "light", isMobile: true });
    const found = await waitForText(lastHeard.page, "[data-testid=last-heard-table]", (t) => t.includes("M0TLK Tom"), "the call in last heard, searched by alias");
    expect(found).toContain("2351234");
    await screenshot(lastHeard.page, "last-heard-phone-light");
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  test("the diagnostics page explains a rejected option (token and reason) and a refused login, never showing the KEY", async () => {
    const client = await hotspot({ callsign: "G0OPT", options: `TS2=3100;TS1=abc;KEY=${OWNER_KEY};` });
    const { page, foreignRequests } = await browse(`/hotspots/${client.repeaterId}`, { viewport: DESKTOP, colorScheme: "light" });
    const options = await waitForText(page, "[data-testid=diag-options]", (t) => t.includes("TS1=abc"), "the rejected option");
    expect(options).toContain("is not a talkgroup number");
    const hints = await waitForText(page, "[data-testid=diag-hints]", (t) => t.includes("TS1=abc"), "a hint naming the rejected token");
    expect(hints).toContain("rejected");
    const subscriptions = await waitForText(page, "[data-testid=diag-subscriptions]", (t) => t.includes("3100"), "the subscription that was applied");
    expect(subscriptions).toContain("KEY=***"); // the options in force, KEY hidden
    await screenshot(page, "diagnostics-rejected-option-desktop-light");
    assertPublic((await page.content()) ?? "", [PASSPHRASE, OWNER_KEY]);

    // A hotspot whose login is refused: its page says why, though it never connected.
    const WRONG = "a-Wrong-passphrase-typed";
    const refused = await HbpClient.open({ serverPort: ds!.hbpPort, repeaterId: 310_779_999, passphrase: WRONG, callsign: "G0BAD" });
    cleanups.push(() => refused.close());
    expect((await refused.tryLogin({ passphrase: WRONG })).ok).toBe(false);
    await page.goto(new URL("/hotspots/310779999", ds!.url).href);
    const refusals = await waitForText(page, "[data-testid=diag-refusals]", (t) => t.includes("wrong passphrase"), "the login refusal");
    expect(refusals).toMatch(/ago/); // when, relative
    expect(await page.textContent("[data-testid=diagnostics]")).toContain("Why can't 310779999 hear anything?");
    expect(await page.textContent("[data-testid=diag-connection]")).toContain("Not connected");
    assertPublic((await page.content()) ?? "", [PASSPHRASE, WRONG]);
    expect(foreignRequests).toEqual([]);
  }, 60_000);

  test("the diagnostics page lists a call that was not delivered to the hotspot, and why (its slot carried another call)", async () => {
    const listener = await hotspot({ callsign: "G0LST", options: "TS2=3100,2350;" });
    const first = await hotspot({ callsign: "M0ONE" });
    const second = await hotspot({ callsign: "M0TWO" });
    const { page, foreignRequests } = await browse(`/hotspots/${listener.repeaterId}`, { viewport: PHONE, colorScheme: "light", isMobile: true });
    const busy = startLiveCall(first, { sourceId: 2_340_101, destinationId: 3100, slot: 2 });
    cleanups.push(() => busy.end());
    expect(await listener.waitForDmrd((f) => f.streamId === busy.streamId, WAIT_MS)).not.toBeNull();
    const blocked = startLiveCall(second, { sourceId: 2_340_202, destinationId: 2350, slot: 2 });
    cleanups.push(() => blocked.end());
    while (blocked.bursts < 6) await Bun.sleep(60);
    await blocked.end();
    await busy.end();
    const rows = await waitForText(page, "[data-testid=diag-not-delivered]", (t) => t.includes("2340202"), "the call that was not delivered");
    expect(rows).toContain("TG 2350");
    expect(rows).toContain("the slot was carrying another call");
    expect(listener.dmrd.some((f) => f.streamId === blocked.streamId)).toBe(false);
    await screenshot(page, "diagnostics-not-delivered-phone-light");
    expect(foreignRequests).toEqual([]);
  }, 60_000);

  test("the links page shows each link's state, protocol and counters, never its peer address or secret", async () => {
    const { page, foreignRequests } = await browse("/links", { viewport: DESKTOP, colorScheme: "dark" });
    const row = await waitForText(page, "[data-testid=links-table] tbody", (t) => t.includes("ob-club") && t.includes("up"), "the OpenBridge link, up");
    expect(row).toContain("openbridge");
    expect(row).toContain("OpenBridge v1");
    await screenshot(page, "links-desktop-dark");
    assertPublic((await page.content()) ?? "", [PASSPHRASE, LINK_SECRET]);
    expect(foreignRequests).toEqual([]);
  }, 60_000);

  test("an owner changes statics on the self-care form and the next call follows them", async () => {
    const owned = await hotspot({ callsign: "G4OWN", options: `TS2=3100;KEY=${OWNER_KEY};` });
    const talker = await hotspot({ callsign: "M0TKR" });
    const { page, foreignRequests } = await browse(`/self-care/${owned.repeaterId}`, { viewport: PHONE, colorScheme: "dark", isMobile: true });

    // Load, then try a wrong KEY: refused, nothing changes.
    await page.fill("input[name=secret]", "not-the-key");
    await page.click("button[name=signIn]");
    await page.waitForSelector("[data-testid=self-care-form]", { timeout: WAIT_MS });
    await page.fill("input[name=ts2Static]", "2350");
    await page.click("button[name=save]");
    const refused = await waitForText(page, "[data-testid=self-care-message]", (t) => t !== "", "the answer to a wrong KEY");
    expect(refused).toContain("not right");

    // The right KEY: saved and applied live.
    await page.fill("input[name=secret]", OWNER_KEY);
    await page.fill("input[name=ts2Static]", "2350");
    await page.click("button[name=save]");
    const saved = await waitForText(page, "[data-testid=self-care-message]", (t) => t.includes("Saved"), "the settings to be saved");
    expect(saved).toContain("next call");
    expect(await page.inputValue("input[name=ts2Static]")).toBe("2350");
    await screenshot(page, "self-care-saved-phone-dark");

    // The next calls follow: TG 3100 (no longer static) is not delivered, TG 2350 is. Sent in that
    // order by one radio over the same path, so when the 2350 call arrives the 3100 one would have too.
    const old = startLiveCall(talker, { sourceId: 2_340_001, destinationId: 3100, slot: 2 });
    await Bun.sleep(300);
    await old.end();
    const next = startLiveCall(talker, { sourceId: 2_340_001, destinationId: 2350, slot: 2 });
    const received = await owned.waitForDmrd((f) => f.streamId === next.streamId && f.destinationId === 2350, WAIT_MS);
    await next.end();
    expect(received).not.toBeNull();
    expect(owned.dmrd.some((f) => f.streamId === old.streamId)).toBe(false);

    // …and the diagnostics page shows the new static talkgroup.
    await page.goto(new URL(`/hotspots/${owned.repeaterId}`, ds!.url).href);
    const ts2 = await waitForText(page, "[data-testid=diag-ts2]", (t) => t.includes("2350"), "the new static talkgroup on TS2");
    expect(ts2).not.toContain("3100");
    await screenshot(page, "diagnostics-after-self-care-phone-dark");
    assertPublic((await page.content()) ?? "", [PASSPHRASE, OWNER_KEY]);
    expect(foreignRequests).toEqual([]);
  }, 90_000);

  test("the page reconnects after the services Worker is restarted and resynchronises (a hotspot that logged in meanwhile appears)", async () => {
    const { page, foreignRequests } = await browse("/hotspots", { viewport: DESKTOP, colorScheme: "light" });
    await waitForText(page, "[data-testid=connection]", (t) => t === "live", "the live feed");
    // Record every state the connection badge shows from now on.
    await page.evaluate(`(() => {
      const badge = document.querySelector("[data-testid=connection]");
      window.__states = [badge.textContent];
      new MutationObserver(() => window.__states.push(document.querySelector("[data-testid=connection]")?.textContent)).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    ds!.server.services!.terminateForTest();
    const late = await hotspot({ callsign: "G7LATE", options: "TS1=9;" });
    await waitForText(page, "[data-testid=hotspots-table] tbody", (t) => t.includes("G7LATE"), "the hotspot that logged in while the Worker was down");
    await waitForText(page, "[data-testid=connection]", (t) => t === "live", "the live feed again");
    const states = (await page.evaluate("window.__states")) as string[];
    expect(states.some((state) => state !== "live")).toBe(true); // it noticed the feed went away
    expect(ds!.server.services!.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(await page.textContent("[data-testid=hotspots-table]")).toContain(String(late.repeaterId));
    expect(foreignRequests).toEqual([]);
  }, 60_000);
});
