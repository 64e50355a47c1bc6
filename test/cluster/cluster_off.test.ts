/**
 * Clustering off (the default): nothing of the cluster shell or the NATS client is loaded, so a
 * single node's memory does not grow; on: they are (lazy import at start-up).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

async function loaded(mode: "on" | "off"): Promise<string[]> {
  const dir = join(import.meta.dir, "support");
  const proc = Bun.spawn([process.execPath, "--preload", join(dir, "load_watch_preload.ts"), join(dir, "load_watch_server.ts"), mode], { stdout: "pipe", stderr: "pipe" });
  const text = await new Response(proc.stdout as ReadableStream).text();
  await proc.exited;
  const line = text.split("\n").find((l) => l.startsWith("{\"loaded\""));
  if (line === undefined) throw new Error(`no result: ${text} ${await new Response(proc.stderr as ReadableStream).text()}`);
  const result = JSON.parse(line) as { loaded: string[] | null };
  if (result.loaded === null) throw new Error("the preload did not run");
  return result.loaded;
}

test("[cluster] off: no cluster or NATS module is loaded; on: they are", async () => {
  expect(await loaded("off")).toEqual([]);
  const on = await loaded("on");
  expect(on.some((p) => p.endsWith("shell/cluster/cluster_node.ts"))).toBe(true);
  expect(on.some((p) => p.includes("@nats-io/"))).toBe(true);
}, 30_000);
