/**
 * The whole server from a validated config: the HBP master (src/shell/server.ts) with the routing
 * core as its router and the federation links (OpenBridge/FBP, upstream masters) as extra handlers
 * sharing that router. The CLI owns signals and the passphrase warning, so the server is started
 * without them. Used by src/main.ts and by anything else that needs the real composition.
 * @module
 */
import { federationOptionsFromConfig } from "../config/federation_options.ts";
import { routingOptionsFromConfig } from "../config/routing_options.ts";
import type { Config } from "../config/schema.ts";
import type { FederationRouter } from "../core/federation/context.ts";
import { createFederation } from "../core/federation/federation.ts";
import { createRouter } from "../core/routing/index.ts";
import type { Logger } from "../shell/log.ts";
import { startServer, type RunningServer, type ServerOptions } from "../shell/server.ts";
import { VERSION } from "./version.ts";
import { loadVoiceAtStart } from "../shell/voice_start.ts";

export function startFreedmr(config: Config, log: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const voice = loadVoiceAtStart(config, log);
  return startServer(config, log, {
    warnDefaultPassphrase: false,
    handleSignals: false,
    version: VERSION,
    createRouter: (deps) => createRouter({ ...routingOptionsFromConfig(config), ...voice.options }, { ...deps, ...voice.extras }),
    extraHandlers: (deps) =>
      createFederation(federationOptionsFromConfig(config), {
        router: deps.router as FederationRouter,
        outbox: deps.outbox,
        events: deps.events,
        prng: deps.prng.fork("federation"),
        wallClockMs: Date.now,
        portIndexes: deps.portIndexes,
      }).handlers.slice(),
    ...options,
  });
}
