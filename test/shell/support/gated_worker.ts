/**
 * A services Worker for tests of the host's feed: it holds its acknowledgements for a while after
 * the first batch of events (a Worker that fell behind), then acknowledges at once. It reports
 * every resync and batch it receives as a "log" message (msg "test-worker", data: what came).
 */
declare const self: Worker;
export {}; // a module: its `self` is its own

const HOLD_MS = 300;
let held: number[] | null = null;
let releaseAt = Number.POSITIVE_INFINITY;

self.onmessage = (e: MessageEvent) => {
  const message = e.data as { type: string; seq?: number; events?: { type: string }[]; lostSinceLast?: number };
  switch (message.type) {
    case "init":
      self.postMessage({ type: "ready", url: null, port: null, error: "test: gated Worker, no HTTP" });
      return;
    case "resync":
      self.postMessage({ type: "log", level: "info", msg: "test-worker", data: { got: "resync" } });
      return;
    case "events":
      self.postMessage({ type: "log", level: "info", msg: "test-worker", data: { got: "events", types: message.events!.map((x) => x.type), lostSinceLast: message.lostSinceLast } });
      if (held === null) {
        held = [];
        releaseAt = performance.now() + HOLD_MS;
        setTimeout(() => {
          for (const seq of held!) self.postMessage({ type: "ack", seq });
          held!.length = 0;
        }, HOLD_MS);
      }
      if (performance.now() < releaseAt) held.push(message.seq!);
      else self.postMessage({ type: "ack", seq: message.seq });
      return;
    case "stop":
      self.postMessage({ type: "stopped" });
      return;
  }
};
