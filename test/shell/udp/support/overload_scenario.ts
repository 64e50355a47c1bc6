/**
 * The deep-backlog scenario of overload_shedding.test.ts, run in a process of its own: the queue
 * must build up while this process's one event loop is busy sending, which another test's sockets
 * and timers in a shared test process would disturb. Prints one JSON line with what it measured.
 */
import pino from "pino";
import { defaultConfig } from "../../../../src/config/schema.ts";
import { startServer } from "../../../../src/shell/server.ts";
import { libcAvailable } from "../../../../src/shell/udp/libc_calls.ts";
import { DataType, FrameType } from "../../../../src/wire/dmrd.ts";
import { HbpClient } from "../../../support/hbp_client.ts";
import { RecordingRouter } from "../../../support/test_server.ts";

const VOICE_FRAMES = 1200;
const PING_EVERY = 60;
const clients: HbpClient[] = [];
let running: Awaited<ReturnType<typeof startServer>> | null = null;

if (!libcAvailable()) {
  console.log(JSON.stringify({ libc: false }));
  process.exit(0);
}
const config = defaultConfig();
config.hbp.bind_addresses = ["127.0.0.1"];
config.hbp.port = 0;
config.http.enabled = false;
config.hbp.login_rate_limit_per_minute = 0;
const router = new RecordingRouter();
running = await startServer(config, pino({ level: "silent" }), {
  warnDefaultPassphrase: false,
  createRouter: () => router,
  withoutEventLog: true,
  // 1,200 queued DMRD are ~1 MB of kernel truesize: far above this.
  shedding: { highBytes: 64 * 1024, lowBytes: 16 * 1024, sustainMs: 40 },
});
const serverPort = running.boundSockets()[0]!.port;
const talker = await HbpClient.open({ serverPort, repeaterId: 3120001 });
const pinger = await HbpClient.open({ serverPort, repeaterId: 3120002 });
const newcomer = await HbpClient.open({ serverPort, repeaterId: 3120003 });
clients.push(talker, pinger, newcomer);
await talker.login();
await pinger.login();
pinger.clear();

// One synchronous turn: nothing is read by the server until it ends.
const call = { sourceId: 3120001, destinationId: 91, streamId: 0x5eed, slot: 1 as const };
talker.sendFrame({ ...call, frameType: FrameType.DataSync, dataType: DataType.VoiceLcHeader, sequence: 0 });
let pings = 0;
for (let i = 0; i < VOICE_FRAMES; i++) {
  talker.sendFrame({ ...call, frameType: i % 6 === 0 ? FrameType.VoiceSync : FrameType.Voice, dataType: i % 6, sequence: (i + 1) & 0xff });
  if (i % PING_EVERY === PING_EVERY / 2) {
    pinger.sendPing();
    pings++;
  }
}
newcomer.sendRptl();
talker.sendFrame({ ...call, frameType: FrameType.DataSync, dataType: DataType.TerminatorWithLc, sequence: (VOICE_FRAMES + 1) & 0xff });

const salt = await newcomer.waitFor((r) => r.tag === "RPTACK", 5000);
for (let waited = 0; waited < 100 && pinger.ofTag("MSTPONG").length < pings; waited++) await HbpClient.settle(50);
await HbpClient.settle(80); // the host sums its sockets' shedding figures on each tick
const host = running.host.stats;
const dataSync = router.frames.filter((f) => ((f.bytes[15]! >>> 4) & 3) === FrameType.DataSync);
const voice = router.frames.length - dataSync.length;

console.log(
  JSON.stringify({
    libc: true,
    voiceShed: host.voiceShed,
    sheddingEpisodes: host.sheddingEpisodes,
    peakQueuedBytes: host.peakQueuedBytes,
    voice,
    pings,
    pongs: pinger.ofTag("MSTPONG").length,
    salt: salt !== null,
    dataTypes: dataSync.map((f) => f.bytes[15]! & 0x0f),
  }),
);
await running?.stop();
for (const c of clients) await c.close({ rptcl: false });
process.exit(0);
