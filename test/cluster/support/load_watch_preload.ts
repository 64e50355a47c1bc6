/**
 * Preload (`bun --preload`) for cluster_off.test.ts: records every module of the cluster shell
 * (src/shell/cluster/) and of the NATS client (@nats-io/*) that the process loads.
 */
import { plugin } from "bun";
import { readFileSync } from "node:fs";

const seen: string[] = [];
(globalThis as { __clusterModulesLoaded?: string[] }).__clusterModulesLoaded = seen;
plugin({
  name: "watch-cluster-modules",
  setup(build) {
    build.onLoad({ filter: /(@nats-io\/.*\.js|shell\/cluster\/.*\.ts)$/ }, (args) => {
      seen.push(args.path);
      return { contents: readFileSync(args.path, "utf8"), loader: args.path.endsWith(".ts") ? "ts" : "js" };
    });
  },
});
