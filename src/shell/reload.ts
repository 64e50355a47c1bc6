/**
 * Config reload (SIGHUP, `POST /api/v1/admin/reload`): a validated new Config applied to the
 * running server without dropping anyone.
 *
 * - HBP master: passphrases, access rules, registration ACL, peer timeout, max peers (up to the
 *   start-up value) and login limits. Connected sessions stay; the new values apply at the next
 *   login; a session the new ACL or rules deny now is closed with MSTCL (hbp_master.reconfigure).
 * - Routing: ACLs, timers, access-rule routing, dial for calls that start from now on; streams in
 *   progress finish as they began (router.updateOptions).
 * - Links: `[[openbridge]]`/`[[upstream]]` diffed by name: a removed link says goodbye and closes
 *   its socket, an added one opens its socket and starts, one whose settings changed restarts
 *   alone. The others are not touched.
 * - `[http] self_care`, `hotspot_secrets`, `[log] level` apply at once.
 * - Everything else (sockets: ports and bind addresses; start-up sized tables; voice packs; the
 *   HTTP server; the server id) needs a restart: each such key that changed is named in the log
 *   and the server keeps running on its old value.
 *
 * The caller validates first (src/cli/serve.ts loadConfig: the same path as the start); a config
 * that does not validate never reaches here. Anything that still fails while the new options are
 * built (before anything changes) refuses the whole reload.
 * @module
 */
import { federationOptionsFromConfig } from "../config/federation_options.ts";
import { routingOptionsFromConfig } from "../config/routing_options.ts";
import type { Config } from "../config/schema.ts";
import type { HostedHandler } from "../core/datagram_handler.ts";
import type { Federation } from "../core/federation/federation.ts";
import type { OpenBridgeLinkOptions } from "../core/federation/link_options.ts";
import type { HbpMaster } from "../core/hbp_master/hbp_master.ts";
import type { HbpMasterOptions } from "../core/hbp_master/options.ts";
import type { FrameRouter } from "../core/router_contract.ts";
import type { Router } from "../core/routing/types.ts";
import type { RoutingOptions } from "../core/routing/options.ts";
import { sameValue } from "../core/routing/options_update.ts";
import type { UpstreamLinkOptions } from "../core/upstream/upstream_options.ts";
import { monotonicMs } from "./clock.ts";
import type { ControlQueue } from "./control_commands.ts";
import type { Logger } from "./log.ts";
import { aliasWorkerOptions, hbpMasterOptions } from "./server.ts";
import type { ServicesWorkerHost } from "./services_worker_host.ts";
import type { UdpHost } from "./udp/udp_host.ts";
import type { AliasDirectory } from "./alias_directory.ts";

/** What one reload did; also the admin API's answer. */
export interface ReloadReport {
  ok: boolean;
  /** Config keys whose new value is in force now. */
  applied: string[];
  /** Config keys that changed but need a restart; the old value stays in force. */
  needsRestart: string[];
  /** Why the reload was refused, or what failed while applying (a link that could not start). */
  errors: string[];
  /** Repeater ids closed with MSTCL because the new rules deny them. */
  closedSessions: number[];
  links: { added: string[]; removed: string[]; restarted: string[]; failed: string[] };
}

export interface ReloadTargets {
  readonly log: Logger;
  readonly host: UdpHost;
  /** The server's list of hosted handlers (the stats publisher reads it): links added/removed here. */
  readonly handlers: HostedHandler[];
  readonly hbp: HbpMaster | null;
  readonly router: FrameRouter;
  readonly control: ControlQueue;
  readonly federation: Federation | null;
  /** For `[aliases] check_callsign` (the login check is switched on or off live). */
  readonly aliases?: AliasDirectory;
  /** The services Worker (null when [http] is off): new `[aliases]` sources are handed to it. */
  readonly services?: ServicesWorkerHost | null;
}

/**
 * Keys (or key prefixes) whose change applies live. Arrays are compared whole: a changed access
 * rule is "hbp.access_rules". Links are diffed separately. Everything else needs a restart.
 */
const LIVE_KEYS = [
  "hbp.passphrase",
  "hbp.peer_timeout_seconds",
  "hbp.max_peers",
  "hbp.registration_acl",
  "hbp.login_rate_limit_per_minute",
  "hbp.login_ban_seconds",
  "hbp.access_rules",
  "routing.group_hang_time_seconds",
  "routing.stream_timeout_ms",
  "routing.max_stream_seconds",
  "routing.data_timeout_ms",
  "routing.ua_timer_minutes",
  "routing.single_mode",
  "routing.user_activation",
  "routing.flood_unknown_unit_voice",
  "routing.subscriber_acl",
  "routing.tgid_ts1_acl",
  "routing.tgid_ts2_acl",
  "dial",
  "http.self_care",
  "http.hotspot_secrets",
  "log.level",
  "aliases",
  "openbridge",
  "upstream",
];

export class Reloader {
  /** The config in force: the start-up one with every reload's live keys applied. */
  #running: Config;
  readonly #startMaxPeers: number;
  #busy: Promise<ReloadReport> | null = null;

  constructor(
    config: Config,
    readonly targets: ReloadTargets,
  ) {
    this.#running = config;
    this.#startMaxPeers = config.hbp.max_peers;
  }

  get running(): Config {
    return this.#running;
  }

  /** Apply a validated config. Reloads run one at a time (a second waits for the first). */
  reload(next: Config): Promise<ReloadReport> {
    const previous = this.#busy ?? Promise.resolve(null);
    const run = previous.then(() => this.#apply(next));
    this.#busy = run.finally(() => {
      if (this.#busy === run) this.#busy = null;
    }) as Promise<ReloadReport>;
    return run;
  }

  /** Log a config that did not validate: every problem, and that the old one keeps running. */
  refused(errors: readonly string[], source: string): ReloadReport {
    const { log } = this.targets;
    log.error({ config: source, problems: errors.length }, `reload refused: the config has ${errors.length} problem${errors.length === 1 ? "" : "s"}; the running config stays in force`);
    for (const line of errors) log.error({ config: source }, `reload: ${line}`);
    return emptyReport(false, [...errors]);
  }

  async #apply(next: Config): Promise<ReloadReport> {
    const { log } = this.targets;
    const old = this.#running;
    const changed = changedKeys(old, next);
    const needsRestart: string[] = [];
    const applied: string[] = [];
    for (const key of changed) {
      const live = LIVE_KEYS.some((k) => key === k || key.startsWith(`${k}.`));
      const noWorker = key.startsWith("aliases.") && key !== "aliases.check_callsign" && (this.targets.services ?? null) === null;
      if (!live || noWorker || (key === "hbp.max_peers" && next.hbp.max_peers > this.#startMaxPeers) || (key.startsWith("hbp.") && !next.hbp.enabled)) needsRestart.push(key);
      else applied.push(key);
    }
    // The config in force from now on: the new one with every restart-only key at its old value.
    const effective = structuredClone(next) as Config;
    for (const key of needsRestart) setPath(effective, key, getPath(old, key));

    // Build every new option first: a failure here refuses the reload before anything changed.
    let hbpOptions: HbpMasterOptions | null = null;
    let routing: RoutingOptions | null = null;
    let openbridge: Map<string, OpenBridgeLinkOptions>;
    let upstream: Map<string, UpstreamLinkOptions>;
    try {
      if (this.targets.hbp !== null) hbpOptions = hbpMasterOptions(effective.hbp);
      if (isRouter(this.targets.router)) routing = { ...routingOptionsFromConfig(effective), voice: this.targets.router.options.voice, talkerAlias: this.targets.router.options.talkerAlias };
      const federation = federationOptionsFromConfig(effective);
      openbridge = new Map(federation.openbridge.map((l) => [l.name, l]));
      upstream = new Map(federation.upstream.map((l) => [l.name, l]));
    } catch (error) {
      return this.refused([error instanceof Error ? error.message : String(error)], "reload");
    }

    const report = emptyReport(true, []);
    report.applied = applied;
    report.needsRestart = needsRestart;
    const nowMs = monotonicMs();
    if (hbpOptions !== null && this.targets.hbp !== null) {
      report.closedSessions = this.targets.hbp.reconfigure(nowMs, hbpOptions).closed;
      this.targets.host.drain(); // the MSTCLs go out now
    }
    if (routing !== null && isRouter(this.targets.router)) this.targets.router.updateOptions(routing);
    this.targets.control.reconfigure(effective.http.self_care, new Map(effective.http.hotspot_secrets.map((s) => [s.repeater_id, s.secret] as const)));
    if (effective.log.level !== old.log.level) log.level = effective.log.level;
    if (this.targets.hbp !== null && this.targets.aliases !== undefined && effective.aliases.check_callsign !== old.aliases.check_callsign) {
      this.targets.hbp.setLoginCheck(effective.aliases.check_callsign ? this.targets.aliases.loginCheck : null);
    }
    const { check_callsign: _newCheck, ...newSources } = effective.aliases;
    const { check_callsign: _oldCheck, ...oldSources } = old.aliases;
    if (!sameValue(newSources, oldSources)) this.targets.services?.reconfigureAliases(aliasWorkerOptions(effective));

    await this.#reloadLinks(old, effective, openbridge, upstream, report);
    this.#running = effective;
    report.ok = report.errors.length === 0;

    for (const id of report.closedSessions) log.warn({ repeaterId: id }, "reload: the new rules deny this hotspot; its session was closed (MSTCL)");
    if (needsRestart.length > 0) {
      log.warn({ keys: needsRestart }, `reload: ${needsRestart.join(", ")} changed but need${needsRestart.length === 1 ? "s" : ""} a restart; running on the old value${needsRestart.length === 1 ? "" : "s"}`);
    }
    const l = report.links;
    log.info(
      { applied, needsRestart, closedSessions: report.closedSessions.length, linksAdded: l.added, linksRemoved: l.removed, linksRestarted: l.restarted, linksFailed: l.failed },
      changed.length === 0 ? "reload: the config is unchanged" : `reload: applied ${applied.length === 0 ? "nothing live" : applied.join(", ")}`,
    );
    return report;
  }

  async #reloadLinks(
    old: Config,
    next: Config,
    openbridge: Map<string, OpenBridgeLinkOptions>,
    upstream: Map<string, UpstreamLinkOptions>,
    report: ReloadReport,
  ): Promise<void> {
    const federation = this.targets.federation;
    const oldLinks = linkConfigs(old);
    const newLinks = linkConfigs(next);
    if (federation === null) {
      if (!sameValue([...oldLinks.entries()], [...newLinks.entries()])) report.errors.push("links cannot be changed: this server was started without federation");
      return;
    }
    const { host, handlers, log } = this.targets;
    const stop = (name: string): void => {
      const link = federation.linkByName(name);
      if (link === undefined) return;
      host.unhost(link);
      const at = handlers.indexOf(link);
      if (at >= 0) handlers.splice(at, 1);
      federation.removeLink(name);
    };
    const start = async (name: string): Promise<boolean> => {
      const ob = openbridge.get(name);
      const up = upstream.get(name);
      let link: HostedHandler;
      try {
        link = ob !== undefined ? federation.addOpenBridge(ob) : federation.addUpstream(up!);
      } catch (error) {
        report.errors.push(`link "${name}": ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
      try {
        await host.hostLive(link);
      } catch (error) {
        federation.removeLink(name);
        const code = (error as { code?: unknown } | null)?.code;
        report.errors.push(`link "${name}" could not open its socket${typeof code === "string" ? ` (${code})` : ""}: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
      handlers.push(link);
      for (const socket of host.boundSockets().filter((s) => s.handler === link.name)) {
        log.info({ link: name, address: socket.address, port: socket.port }, `reload: link ${name} listening on UDP ${socket.address.includes(":") ? `[${socket.address}]` : socket.address}:${socket.port}`);
      }
      return true;
    };
    for (const [name, config] of oldLinks) {
      const now = newLinks.get(name);
      if (now === undefined) {
        stop(name);
        report.links.removed.push(name);
        log.info({ link: name }, `reload: link ${name} removed`);
      } else if (!sameValue(config, now)) {
        stop(name);
        if (await start(name)) {
          report.links.restarted.push(name);
          log.info({ link: name }, `reload: link ${name} changed; restarted`);
        } else report.links.failed.push(name);
      }
    }
    for (const name of newLinks.keys()) {
      if (oldLinks.has(name)) continue;
      if (await start(name)) {
        report.links.added.push(name);
        log.info({ link: name }, `reload: link ${name} added`);
      } else report.links.failed.push(name);
    }
    for (const error of report.errors) log.error(`reload: ${error}`);
  }
}

function emptyReport(ok: boolean, errors: string[]): ReloadReport {
  return { ok, applied: [], needsRestart: [], errors, closedSessions: [], links: { added: [], removed: [], restarted: [], failed: [] } };
}

function isRouter(router: FrameRouter): router is Router {
  return typeof (router as Partial<Router>).updateOptions === "function";
}

/** Enabled links by name (kind included, so a link that changes kind restarts). */
function linkConfigs(config: Config): Map<string, unknown> {
  const c = config as unknown as { openbridge: { name: string; enabled: boolean }[]; upstream: { name: string; enabled: boolean }[] };
  const out = new Map<string, unknown>();
  for (const l of c.openbridge) if (l.enabled) out.set(l.name, { kind: "openbridge", ...l });
  for (const l of c.upstream) if (l.enabled) out.set(l.name, { kind: "upstream", ...l });
  return out;
}

/** Dotted paths of the leaves that differ (arrays are leaves). */
export function changedKeys(a: unknown, b: unknown, prefix = ""): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: string[] = [];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      out.push(...changedKeys(a[key], b[key], prefix === "" ? key : `${prefix}.${key}`));
    }
    return out;
  }
  return sameValue(a, b) ? [] : [prefix];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function getPath(root: unknown, path: string): unknown {
  let at = root;
  for (const part of path.split(".")) at = isPlainObject(at) ? at[part] : undefined;
  return at;
}

function setPath(root: unknown, path: string, value: unknown): void {
  const parts = path.split(".");
  let at = root;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(at)) return;
    at = at[part];
  }
  if (!isPlainObject(at)) return;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = structuredClone(value);
}
