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
import { createFederation, type Federation } from "../core/federation/federation.ts";
import { Reloader } from "../shell/reload.ts";
import { AliasDirectory } from "../shell/alias_directory.ts";
import { createRouter } from "../core/routing/index.ts";
import type { Logger } from "../shell/log.ts";
import { startServer, type RunningServer, type ServerOptions } from "../shell/server.ts";
import { VERSION } from "./version.ts";
import { loadVoiceAtStart } from "../shell/voice_start.ts";

/** The running server plus its config reload (src/shell/reload.ts). */
export type RunningFreedmr = RunningServer & { readonly reloader: Reloader };

export async function startFreedmr(config: Config, log: Logger, options: ServerOptions = {}): Promise<RunningFreedmr> {
  const voice = loadVoiceAtStart(config, log);
  // Talker-alias names: the [voice] users file when set (read at start), else the [aliases] data
  // the services Worker loads and refreshes (empty until its first table arrives).
  const aliasDirectory = new AliasDirectory();
  const extras = voice.extras.aliases !== undefined || config.aliases.users === "" ? voice.extras : { aliases: aliasDirectory.lookup };
  let federation: Federation | null = null;
  const server = await startServer(config, log, {
    warnDefaultPassphrase: false,
    handleSignals: false,
    version: VERSION,
    createRouter: (deps) => createRouter({ ...routingOptionsFromConfig(config), ...voice.options }, { ...deps, ...extras }),
    aliasDirectory,
    extraHandlers: (deps) => {
      federation = createFederation(federationOptionsFromConfig(config), {
        router: deps.router as FederationRouter,
        outbox: deps.outbox,
        events: deps.events,
        prng: deps.prng.fork("federation"),
        wallClockMs: Date.now,
        portIndexes: deps.portIndexes,
      });
      return federation.handlers.slice();
    },
    ...options,
  });
  const reloader = new Reloader(config, { log, host: server.host, handlers: server.handlers, hbp: server.hbp, router: server.router, control: server.control, federation, aliases: aliasDirectory, services: server.services });
  return Object.assign(server, { reloader });
}
