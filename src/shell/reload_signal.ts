/**
 * SIGHUP, the conventional "reload your configuration" signal. Its default action would terminate
 * the process without a goodbye to the peers, so the server always handles it. src/cli/serve.ts
 * passes the real reload (src/shell/reload.ts: re-read, validate, apply); without one the handler
 * logs (warn) that the config was not reloaded and the server keeps running.
 * @module
 */
import type { Logger } from "./log.ts";

/** What a reload does. Returns a line for the log (warn unless it says otherwise). */
export type ReloadLine = string | { level: "info" | "warn"; line: string };
export type Reload = () => Promise<ReloadLine> | ReloadLine;

/** Not supported yet: say so and keep running. */
export const RELOAD_NOT_SUPPORTED: Reload = () =>
  "SIGHUP: reloading the config is not supported yet; still running with the config loaded at start (restart freedmr to apply changes)";

/** Handle SIGHUP for the life of the process; returns a function that removes the handler. */
export function installReloadSignal(log: Logger, reload: Reload = RELOAD_NOT_SUPPORTED): () => void {
  let running = false;
  const onHangup = (): void => {
    if (running) {
      log.warn({ signal: "SIGHUP" }, "SIGHUP: a reload is already in progress; ignored");
      return;
    }
    running = true;
    Promise.resolve()
      .then(reload)
      .then(
        (result) => {
          if (typeof result === "string") log.warn({ signal: "SIGHUP" }, result);
          else log[result.level]({ signal: "SIGHUP" }, result.line);
        },
        (error: unknown) => log.error({ signal: "SIGHUP", err: error }, "SIGHUP: reload failed; still running with the previous config"),
      )
      .finally(() => {
        running = false;
      });
  };
  process.on("SIGHUP", onHangup);
  return () => void process.off("SIGHUP", onHangup);
}
