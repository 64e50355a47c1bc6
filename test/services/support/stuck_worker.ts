/** A services Worker that says it is ready and then never acknowledges a batch (a stuck Worker). */
declare const self: Worker;
self.onmessage = (e: MessageEvent) => {
  const message = e.data as { type: string };
  if (message.type === "init") self.postMessage({ type: "ready", url: null, port: null, error: "test: stuck Worker, no HTTP" });
};
