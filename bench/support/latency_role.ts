/**
 * One half of the latency load generator in its own process (see latency_gen.ts), driven over
 * stdin/stdout by bench/latency.bench.ts. Both halves log in, print READY, then serve commands
 * until EXIT (or end of stdin):
 *
 *   bun bench/support/latency_role.ts receiver --port P --calls N --listeners L --max-seconds S
 *     START  forget earlier samples;  STOP  print RESULT {json: measured, cpuNs, samples}
 *   bun bench/support/latency_role.ts sender --port P --calls N --listeners L
 *     RUN <prewarm> <warmup> <seconds>  send (prints MEASURE_START when measuring), then RESULT {json}
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

if (role === "receiver") {
  const receiver = new LatencyReceiver(shape, Number(arg("max-seconds", "20")));
  await receiver.login();
  console.log("READY");
  let cpu0 = 0;
  for await (const line of stdinLines()) {
    if (line === "START") {
      receiver.reset();
      cpu0 = selfCpuNs();
    } else if (line === "STOP") {
      const cpuNs = selfCpuNs() - cpu0;
      console.log(`RESULT ${JSON.stringify({ received: receiver.received, measured: receiver.measured, cpuNs, samples: encodeSamples(receiver.samples) })}`);
    } else if (line === "EXIT") {
      break;
    }
  }
  receiver.close();
} else if (role === "sender") {
  const sender = new LatencySender(shape);
  await sender.login();
  console.log("READY");
  for await (const line of stdinLines()) {
    const run = /^RUN ([\d.]+) ([\d.]+) ([\d.]+)$/.exec(line);
    if (run !== null) {
      let cpu0 = 0;
      const result = await sender.run(
        Number(run[2]),
        Number(run[3]),
        () => {
          cpu0 = selfCpuNs();
          console.log("MEASURE_START");
        },
        Number(run[1]),
      );
      const cpuNs = selfCpuNs() - cpu0;
      console.log(`RESULT ${JSON.stringify({ ...result, cpuNs })}`);
    } else if (line === "EXIT") {
      break;
    }
  }
  sender.close();
} else {
  console.error("usage: latency_role.ts receiver|sender --port P …");
  process.exit(2);
}
await Bun.sleep(20);
process.exit(0);
