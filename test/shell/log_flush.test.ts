/**
 * The last log lines survive process.exit: flushLogger waits for sonic-boom's write in flight and
 * then writes the rest in order. (sonic-boom's own flush(cb) calls back at once when minLength is
 * 0; the server's last line "stopped" was then sometimes missing behind a pipe. This small child
 * does not reproduce that race reliably — it checks the property, the end-to-end tests that look
 * for "stopped" as the last line exercise the race.)
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

test("every line reaches a slow pipe, in order, before the process exits", async () => {
  const count = 3000; // ~420 kB: far more than a pipe buffer, so a write is in flight at exit
  for (let run = 0; run < 3; run++) {
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "support", "flush_child.ts"), String(count)], { stdout: "pipe", stderr: "pipe" });
    await Bun.sleep(150); // do not read yet: the pipe fills and the child's writes wait
    const text = await new Response(child.stdout).text();
    expect(await child.exited).toBe(0);
    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; n?: number });
    expect(lines.length).toBe(count + 1);
    expect(lines.at(-1)?.msg).toBe("last");
    expect(lines.slice(0, count).every((l, i) => l.n === i)).toBe(true);
  }
});
