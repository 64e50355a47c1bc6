/**
 * Small libpcap reader for tests: classic pcap files (both byte orders, micro- or nanosecond
 * timestamps), link types Ethernet (1, with 802.1Q tags), BSD loopback (0), raw IPv4 (101, 228)
 * and Linux cooked (113). Yields the UDP datagrams over IPv4 with addresses, ports and timestamps.
 * Non-UDP, non-IPv4, truncated and fragmented packets are skipped (counted in `skipped`).
 *
 *   for (const d of readPcapUdp(capturePath("w3msg_full_session.pcap"))) d.payload   // test/support/fixtures.ts
 */
import { readFileSync } from "node:fs";

export interface UdpDatagram {
  /** index of the packet in the capture (0-based, counting skipped packets too) */
  index: number;
  /** capture time in microseconds since the epoch */
  timestampMicros: number;
  sourceAddress: string;
  sourcePort: number;
  destinationAddress: string;
  destinationPort: number;
  /** "address:port" */
  source: string;
  destination: string;
  /** the UDP payload (a view into the file buffer) */
  payload: Uint8Array;
}

export interface PcapResult {
  linkType: number;
  datagrams: UdpDatagram[];
  /** packets that were not complete IPv4/UDP datagrams */
  skipped: number;
}

const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_NANOS = 0xa1b23c4d;
const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;
const LINK_IPV4 = 228;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const IP_PROTOCOL_UDP = 17;

export function parsePcap(bytes: Uint8Array): PcapResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new Error("pcap: file shorter than its global header");
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  let little: boolean;
  let nanos: boolean;
  if (magicLe === MAGIC_MICROS || magicLe === MAGIC_NANOS) {
    little = true;
    nanos = magicLe === MAGIC_NANOS;
  } else if (magicBe === MAGIC_MICROS || magicBe === MAGIC_NANOS) {
    little = false;
    nanos = magicBe === MAGIC_NANOS;
  } else {
    throw new Error(`pcap: unknown magic 0x${magicLe.toString(16)} (pcapng is not supported)`);
  }
  const linkType = view.getUint32(20, little) & 0xffff;
  const datagrams: UdpDatagram[] = [];
  let skipped = 0;
  let offset = 24;
  let index = 0;
  while (offset + 16 <= bytes.length) {
    const seconds = view.getUint32(offset, little);
    const fraction = view.getUint32(offset + 4, little);
    const captured = view.getUint32(offset + 8, little);
    const start = offset + 16;
    offset = start + captured;
    if (offset > bytes.length) {
      skipped++;
      break;
    }
    const timestampMicros = seconds * 1_000_000 + (nanos ? Math.floor(fraction / 1000) : fraction);
    const datagram = parsePacket(bytes, view, start, captured, linkType, little);
    if (datagram === null) skipped++;
    else datagrams.push({ index, timestampMicros, ...datagram });
    index++;
  }
  return { linkType, datagrams, skipped };
}

function parsePacket(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  length: number,
  linkType: number,
  little: boolean,
): Omit<UdpDatagram, "index" | "timestampMicros"> | null {
  const end = start + length;
  let ip: number;
  if (linkType === LINK_ETHERNET) {
    if (length < 14) return null;
    let etherType = view.getUint16(start + 12, false);
    ip = start + 14;
    while (etherType === ETHERTYPE_VLAN && ip + 4 <= end) {
      etherType = view.getUint16(ip + 2, false);
      ip += 4;
    }
    if (etherType !== ETHERTYPE_IPV4) return null;
  } else if (linkType === LINK_NULL) {
    if (length < 4 || view.getUint32(start, little) !== 2) return null;
    ip = start + 4;
  } else if (linkType === LINK_LINUX_SLL) {
    if (length < 16 || view.getUint16(start + 14, false) !== ETHERTYPE_IPV4) return null;
    ip = start + 16;
  } else if (linkType === LINK_RAW || linkType === LINK_IPV4) {
    ip = start;
  } else {
    return null;
  }
  if (ip + 20 > end || bytes[ip]! >>> 4 !== 4) return null;
  const headerLength = (bytes[ip]! & 0x0f) * 4;
  const totalLength = view.getUint16(ip + 2, false);
  const flagsFragment = view.getUint16(ip + 6, false);
  if ((flagsFragment & 0x3fff) !== 0) return null; // fragment (MF set or offset ≠ 0)
  if (bytes[ip + 9] !== IP_PROTOCOL_UDP) return null;
  const udp = ip + headerLength;
  if (udp + 8 > end || ip + totalLength > end) return null;
  const udpLength = view.getUint16(udp + 4, false);
  if (udpLength < 8 || udp + udpLength > end) return null;
  const sourceAddress = `${bytes[ip + 12]}.${bytes[ip + 13]}.${bytes[ip + 14]}.${bytes[ip + 15]}`;
  const destinationAddress = `${bytes[ip + 16]}.${bytes[ip + 17]}.${bytes[ip + 18]}.${bytes[ip + 19]}`;
  const sourcePort = view.getUint16(udp, false);
  const destinationPort = view.getUint16(udp + 2, false);
  return {
    sourceAddress,
    sourcePort,
    destinationAddress,
    destinationPort,
    source: `${sourceAddress}:${sourcePort}`,
    destination: `${destinationAddress}:${destinationPort}`,
    payload: bytes.subarray(udp + 8, udp + udpLength),
  };
}

/** All UDP datagrams of a pcap file. */
export function readPcapUdp(path: string): UdpDatagram[] {
  return parsePcap(new Uint8Array(readFileSync(path))).datagrams;
}

/** The 55-byte (or 53-byte) DMRD datagrams of a pcap file, in capture order. */
export function readPcapDmrd(path: string): UdpDatagram[] {
  return readPcapUdp(path).filter(
    (d) => d.payload.length >= 53 && d.payload[0] === 0x44 && d.payload[1] === 0x4d && d.payload[2] === 0x52 && d.payload[3] === 0x44,
  );
}
