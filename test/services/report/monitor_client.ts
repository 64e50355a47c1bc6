/**
 * A monitor-like report socket client for tests: connects over TCP, splits netstrings, and the
 * Python snippets that read CONFIG_SND / BRIDGE_SND the way FDMR-Monitor's monitor.py does.
 */
import { createConnection, type Socket } from "node:net";
import { NetstringDecoder } from "../../../src/services/report/netstring.ts";
import { Opcode } from "../../../src/services/report/report_server.ts";

/** What monitor.py reads of CONFIG_SND (build_hblink_table / add_hb_peer / build_tgstats), as JSON. */
export const READ_CONFIG = `
import pickle, sys, json
systems = pickle.loads(sys.stdin.buffer.read())
out = {}
for name, s in systems.items():
    assert s["ENABLED"] is True
    if s["MODE"] == "MASTER":
        peers = {}
        for peer_id, p in s["PEERS"].items():
            assert isinstance(peer_id, bytes) and len(peer_id) == 4
            assert p["TX_FREQ"].strip().isdigit() and p["RX_FREQ"].strip().isdigit()
            peers[int.from_bytes(peer_id, "big")] = {
                "SLOTS": p["SLOTS"].decode(), "CALLSIGN": p["CALLSIGN"].decode().strip(),
                "PACKAGE_ID": p["PACKAGE_ID"].decode(), "SOFTWARE_ID": p["SOFTWARE_ID"].decode(),
                "LOCATION": p["LOCATION"].decode().strip(), "DESCRIPTION": p["DESCRIPTION"].decode().strip(),
                "URL": p["URL"].decode().strip(), "COLORCODE": p["COLORCODE"].decode().strip(),
                "CONNECTION": p["CONNECTION"], "CONNECTED": isinstance(p["CONNECTED"], float), "IP": p["IP"], "PORT": p["PORT"]}
        ts1 = [] if isinstance(s["TS1_STATIC"], bool) else s["TS1_STATIC"].split(",")
        ts2 = [] if isinstance(s["TS2_STATIC"], bool) else s["TS2_STATIC"].split(",")
        opts = s["_default_options"].split(";")[:2]
        out[name] = {"MODE": "MASTER", "REPEAT": "repeat" if s["REPEAT"] else "isolate", "PEERS": peers, "TS1": ts1, "TS2": ts2, "OPTS": opts, "SINGLE_MODE": s["SINGLE_MODE"]}
    elif s["MODE"] == "OPENBRIDGE":
        out[name] = {"MODE": "OPENBRIDGE", "NETWORK_ID": int.from_bytes(s["NETWORK_ID"], "big"), "TARGET_IP": s["TARGET_IP"], "TARGET_PORT": s["TARGET_PORT"]}
    else:
        out[name] = {"MODE": s["MODE"], "CONNECTION": s["STATS"]["CONNECTION"]}
print(json.dumps(out))
`;

/** What build_bridge_table reads of BRIDGE_SND. */
export const READ_BRIDGES = `
import pickle, sys, json
bridges = pickle.loads(sys.stdin.buffer.read())
out = {}
for name, members in bridges.items():
    out[name] = [{"SYSTEM": m["SYSTEM"], "TS": m["TS"], "TGID": int.from_bytes(m["TGID"], "big"), "ACTIVE": m["ACTIVE"],
                  "TO_TYPE": m["TO_TYPE"], "TIMER": isinstance(m["TIMER"], float), "TIMEOUT": m["TIMEOUT"],
                  "ON": [int.from_bytes(t, "big") for t in m["ON"]], "OFF": [int.from_bytes(t, "big") for t in m["OFF"]]} for m in members]
print(json.dumps(out))
`;

export class MonitorClient {
  readonly messages: Uint8Array[] = [];
  closed = false;
  readonly #decoder = new NetstringDecoder(50_000_000);
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      const fed = this.#decoder.feed(new Uint8Array(chunk));
      if (fed.ok) this.messages.push(...fed.messages);
    });
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => (this.closed = true));
  }
  static connect(port: number, localAddress = "127.0.0.1"): Promise<MonitorClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port, localAddress }, () => resolve(new MonitorClient(socket)));
      socket.once("error", reject);
    });
  }
  ofOpcode(opcode: number): Uint8Array[] {
    return this.messages.filter((m) => m[0] === opcode).map((m) => m.subarray(1));
  }
  events(): string[] {
    return this.ofOpcode(Opcode.BRDG_EVENT).map((m) => new TextDecoder().decode(m));
  }
  async until(predicate: () => boolean, timeoutMs = 3000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > end) return false;
      await Bun.sleep(5);
    }
    return true;
  }
  close(): void {
    this.socket.destroy();
  }
}

