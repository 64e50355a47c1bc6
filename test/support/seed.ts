/**
 * Seeds for randomised tests. `SEED=n bun test file` replays a run; every randomised test prints
 * the seed it used so a failure can be replayed exactly.
 */
export function testSeed(label: string): number {
  const fromEnv = process.env.SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== "" ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  console.log(`SEED=${seed} (${label})`);
  return seed;
}
