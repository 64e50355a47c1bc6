/**
 * Config → federation options (pure). `server.server_id`, `[federation]`, every enabled
 * `[[openbridge]]` and `[[upstream]]` become the plain options createFederation takes. The config
 * was validated (src/config/sections/federation.ts), so ACLs parse and required keys are set.
 * @module
 */
import type { Config } from "./schema.ts";
import type { OpenBridgeConfig, UpstreamConfig, FederationConfig } from "./sections/federation.ts";
import { aclOrThrow } from "../core/acl.ts";
import type { LinkTalkgroupRange } from "../core/routing/options.ts";
import { upstreamLinkOptions, type UpstreamLinkOptions } from "../core/upstream/upstream_options.ts";
import type { FederationOptions } from "../core/federation/federation.ts";
import { openBridgeLinkOptions, type OpenBridgeLinkOptions } from "../core/federation/link_options.ts";

const TG_MAX = 16777215;

interface FederationConfigView {
  server: { server_id: number };
  federation: FederationConfig;
  openbridge: OpenBridgeConfig[];
  upstream: UpstreamConfig[];
}

export function federationOptionsFromConfig(config: Config): FederationOptions {
  const c = config as unknown as FederationConfigView;
  return {
    serverId: c.server.server_id,
    streamCapacity: c.federation.stream_capacity,
    streamMemoryMs: c.federation.stream_memory_seconds * 1000,
    openbridge: c.openbridge.filter((l) => l.enabled).map(openBridgeFromConfig),
    upstream: c.upstream.filter((l) => l.enabled).map(upstreamFromConfig),
  };
}

export function openBridgeFromConfig(link: OpenBridgeConfig): OpenBridgeLinkOptions {
  const ranges: LinkTalkgroupRange[] = link.talkgroup_map.map((r) => ({
    linkSlot: 1,
    linkFirst: r.link_first,
    linkLast: r.link_last === 0 ? r.link_first : r.link_last,
    localFirst: r.local_first,
  }));
  if (link.pass_all_talkgroups) ranges.push({ linkSlot: 1, linkFirst: 1, linkLast: TG_MAX, localFirst: 1 });
  const tgidAcl = aclOrThrow(link.tgid_acl);
  return openBridgeLinkOptions({
    name: link.name,
    bindAddress: link.bind_address,
    port: link.port,
    targetAddress: link.target_address,
    targetPort: link.target_port,
    passphrase: link.passphrase,
    networkId: link.network_id,
    protocol: link.protocol,
    ...(link.enhanced === "auto" ? {} : { enhanced: link.enhanced }),
    ...(link.unit_calls === "auto" ? {} : { unitCalls: link.unit_calls }),
    relaxedChecks: link.relaxed_checks,
    acceptAnyPeerId: link.accept_any_peer_id,
    talkgroupMap: { ranges, localOnlyFilter: link.local_only_filter, ingressAcl: tgidAcl, egressAcl: tgidAcl },
    subscriberAcl: aclOrThrow(link.sub_acl),
    keepaliveIntervalMs: link.keepalive_interval_seconds * 1000,
    keepaliveTimeoutMs: link.keepalive_timeout_seconds * 1000,
    maxAgeMs: link.max_age_seconds * 1000,
    maxHops: link.max_hops,
    receiveBufferBytes: link.receive_buffer_bytes,
  });
}

export function upstreamFromConfig(link: UpstreamConfig): UpstreamLinkOptions {
  return upstreamLinkOptions({
    name: link.name,
    bindAddress: link.bind_address,
    address: link.address,
    port: link.port,
    passphrase: link.passphrase,
    repeaterId: link.repeater_id,
    callsign: link.callsign,
    rxFrequencyHz: link.rx_freq,
    txFrequencyHz: link.tx_freq,
    txPower: link.tx_power,
    colourCode: link.color_code,
    latitude: link.latitude,
    longitude: link.longitude,
    heightM: link.height,
    location: link.location,
    description: link.description,
    url: link.url,
    softwareId: link.software_id,
    packageId: link.package_id,
    slots: link.slots,
    options: link.options,
    talkgroups: link.talkgroup_map.map((r) => ({
      slot: r.slot,
      remoteFirst: r.remote_first,
      remoteLast: r.remote_last === 0 ? r.remote_first : r.remote_last,
      localFirst: r.local_first,
      direction: r.direction,
    })),
    passAllTalkgroups: link.pass_all_talkgroups,
    defaultSlot: link.default_slot,
    localOnlyFilter: link.local_only_filter,
    unitCalls: link.unit_calls,
    subscriberAcl: aclOrThrow(link.sub_acl),
    pingIntervalMs: link.ping_interval_seconds * 1000,
    retryMs: link.retry_seconds * 1000,
    timeoutMs: link.timeout_seconds * 1000,
  });
}
