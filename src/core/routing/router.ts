/**
 * The routing core (stub while the implementation lands; the API in ./types.ts is stable).
 * @module
 */
import type { RouterPort } from "../router_port.ts";
import type { RoutingOptions } from "./options.ts";
import { RoutingStats } from "./stats.ts";
import type { Router, RouterDeps } from "./types.ts";

export function createRouter(options: RoutingOptions, deps: RouterDeps): Router {
  const stats = new RoutingStats();
  void deps;
  return {
    options,
    onPortUp() {},
    onPortDown() {},
    onOptions() {},
    onFrame() {
      stats.framesIn++;
    },
    onTick() {},
    setPortTalkgroupMap() {},
    quench: () => false,
    stats: () => stats,
    subscribe: () => false,
    unsubscribe: () => false,
    dial: () => ({ ok: false, reason: "disabled" }),
    resetPort() {},
    subscriptions: () => [],
    dialedReflector: (_port: RouterPort) => 0,
    locateSubscriber: () => null,
    activeStreams: () => [],
    bridgeState: () => null,
  };
}
