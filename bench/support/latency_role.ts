/**
 * One half of the latency load generator in its own process (see latency_gen.ts), driven over
 * stdin/stdout by bench/latency.bench.ts:
 *
 *   bun bench/support/latency_role.ts receiver --port P --calls N --listeners L --max-seconds S
 *     logs the listeners in, prints READY; on the line STOP prints RESULT {json} and exits.
 *   bun bench/support/latency_role.ts sender --port P --calls N --listeners L --prewarm P --warmup W --seconds S
 *     logs the talkers in, prints READY; on GO sends, prints MEASURE_START, then RESULT {json}.
 * @module
 */
import { encodeSamples } from "./latency_samples.ts";
import { LatencyReceiver, LatencySender } from "./latency_gen.ts";
import { selfCpuNs } from "./process_cpu.ts";

const argv = process.argv.slice(2);
const role = argv[0];
function arg(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const shape = { serverPort: Number(arg("port", "0")), calls: Number(arg("calls", "200")), listenersPerTalkgroup: Number(arg("listeners", "5")) };

async function* stdinLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of Bun.stdin.stream()) {
    buffered += decoder.decode(chunk);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
    }
  }
}

const lines = stdinLines();
async function waitLine(expected: string): Promise<void> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done === true) process.exit(0);
    if (value === expected) return;
  }
}

if (role === "receiver") {
  const receiver = new LatencyReceiver(shape, Number(arg("max-seconds", "20")));
  await receiver.login();
  console.log("READY");
  await waitLine("START");
  const cpu0 = selfCpuNs();
  await waitLine("STOP");
  const cpuNs = selfCpuNs() - cpu0;
  console.log(`RESULT ${JSON.stringify({ received: receiver.received, measured: receiver.measured, cpuNs, samples: encodeSamples(receiver.samples) })}`);
  receiver.close();
  await Bun.sleep(20);
  process.exit(0);
} else if (role === "sender") {
  const sender = new LatencySender(shape);
  await sender.login();
  console.log("READY");
  await waitLine("GO");
  let cpu0 = 0;
  const result = await sender.run(
    Number(arg("warmup", "2")),
    Number(arg("seconds", "10")),
    () => {
      cpu0 = selfCpuNs();
      console.log("MEASURE_START");
    },
    Number(arg("prewarm", "0")),
  );
  const cpuNs = selfCpuNs() - cpu0;
  console.log(`RESULT ${JSON.stringify({ ...result, cpuNs })}`);
  sender.close();
  await Bun.sleep(20);
  process.exit(0);
} else {
  console.error("usage: latency_role.ts receiver|sender --port P …");
  process.exit(2);
}
