/**
 * Extra IPv6 addresses on lo for tests that need many sources inside one /64 (and another /64).
 * Needs root (or password-less sudo) and iproute2; `addLoopbackIpv6` says why when it cannot.
 * The prefix is random per call (fd00::/8 unique-local, RFC 4193), so parallel runs do not clash;
 * always call `remove()` (afterAll) — addresses left behind would survive the test run.
 */
import { Prng } from "../../src/lib/prng.ts";

export interface LoopbackIpv6 {
  /** The /64 as "fd00:…:…:…" (four groups, no trailing "::"). */
  prefix: string;
  addresses: string[];
  remove(): void;
}

function ip(lines: string[]): { ok: boolean; error: string } {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? ["ip", "-6", "-batch", "-"] : ["sudo", "-n", "ip", "-6", "-batch", "-"];
  try {
    const result = Bun.spawnSync(command, { stdin: new TextEncoder().encode(lines.join("\n") + "\n"), stdout: "pipe", stderr: "pipe" });
    return { ok: result.exitCode === 0, error: result.stderr.toString().trim() };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

/** Add `count` addresses <prefix>::<1..count>/64 to lo; a string explains a failure. */
export function addLoopbackIpv6(count: number, seed: number): LoopbackIpv6 | string {
  const prng = new Prng(seed);
  const prefix = `fd00:8:${prng.nextInt(0x10000).toString(16)}:${prng.nextInt(0x10000).toString(16)}`;
  const addresses = Array.from({ length: count }, (_, i) => `${prefix}::${(i + 1).toString(16)}`);
  const added = ip(addresses.map((a) => `addr add ${a}/64 dev lo nodad`));
  const remove = (): void => void ip(addresses.map((a) => `addr del ${a}/64 dev lo`));
  if (!added.ok) {
    remove();
    return `cannot add IPv6 addresses to lo (${added.error || "ip failed"}); needs root or password-less sudo and iproute2`;
  }
  return { prefix, addresses, remove };
}
