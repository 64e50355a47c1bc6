/**
 * Helpers for the worker tests: the HTTP API port a freedmr process logged, and how many hotspots
 * it reports (GET /api/v1/hotspots) — which process a hotspot landed on.
 */
import type { HbpClient } from "../../support/hbp_client.ts";

/** The API base URL from a "dashboard and API on http://…/" log line, or null. */
export function apiUrlOf(line: Record<string, unknown>): string | null {
  const msg = line["msg"];
  if (typeof msg !== "string") return null;
  const match = /^dashboard and API on (http:\/\/[^ ]+\/) /.exec(msg);
  return match === null ? null : match[1]!;
}

/** Repeater ids logged in at the process serving `apiUrl`. */
export async function hotspotIds(apiUrl: string): Promise<number[]> {
  const response = await fetch(`${apiUrl}api/v1/hotspots?limit=1000`);
  if (!response.ok) throw new Error(`GET ${apiUrl}api/v1/hotspots: ${response.status}`);
  const body = (await response.json()) as { hotspots: { repeaterId: number }[] };
  return body.hotspots.map((h) => h.repeaterId).sort((a, b) => a - b);
}

/** Poll until `predicate` holds (true) or `timeoutMs` passes (false). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await predicate()) return true;
    await Bun.sleep(50);
  }
  return await predicate();
}

/**
 * What a hotspot does when its master stops answering or NAKs it: log in again (same socket, so
 * the same 4-tuple). Returns how many attempts it took (1 = it was still logged in).
 */
export async function keepLoggedIn(client: HbpClient, attempts = 20): Promise<number> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (await client.ping(1000)) return attempt;
    const result = await client.tryLogin({ timeoutMs: 1000 });
    if (result.ok && (await client.ping(1000))) return attempt + 1;
    await Bun.sleep(200);
  }
  throw new Error(`hotspot ${client.options.repeaterId} could not log in again in ${attempts} attempts`);
}
