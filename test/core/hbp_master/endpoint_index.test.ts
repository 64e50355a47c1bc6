import { describe, expect, test } from "bun:test";
import { EndpointIndex } from "../../../src/core/hbp_master/endpoint_index.ts";
import { IPV4_SOCKETS_MAX, ipv4EndpointKey } from "../../../src/core/endpoint.ts";

describe("ipv4EndpointKey", () => {
  test("packs socket, IPv4 address and port into one number", () => {
    expect(ipv4EndpointKey(0, "0.0.0.1", 2)).toBe(65_536 + 2);
    expect(ipv4EndpointKey(1, "10.1.2.3", 62_031)).toBe((2 ** 32 + 0x0a010203) * 65_536 + 62_031);
    expect(ipv4EndpointKey(IPV4_SOCKETS_MAX - 1, "255.255.255.255", 65_535)).toBe(2 ** 53 - 1);
    expect(Number.isSafeInteger(ipv4EndpointKey(IPV4_SOCKETS_MAX - 1, "255.255.255.255", 65_535))).toBe(true);
  });

  test("a dual-stack socket's ::ffff:a.b.c.d is the same peer", () => {
    expect(ipv4EndpointKey(2, "::ffff:192.168.7.9", 40_000)).toBe(ipv4EndpointKey(2, "192.168.7.9", 40_000));
  });

  test("distinct endpoints get distinct keys", () => {
    const keys = new Set<number>();
    for (const socket of [0, 1, 31]) for (const address of ["127.0.0.1", "127.0.0.2", "127.0.1.1", "1.27.0.1"]) for (const port of [1, 256, 62_031]) keys.add(ipv4EndpointKey(socket, address, port));
    expect(keys.size).toBe(3 * 4 * 3);
  });

  test("IPv6, malformed addresses and socket indexes past the limit have no numeric key", () => {
    for (const address of ["::1", "2001:db8::1", "::ffff:7f00:1", "fe80::1%eth0", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1..2.3", "1.2.3.", "", "a.b.c.d", "1.2.3.0004"]) {
      expect(ipv4EndpointKey(0, address, 1)).toBe(-1);
    }
    expect(ipv4EndpointKey(IPV4_SOCKETS_MAX, "1.2.3.4", 1)).toBe(-1);
    expect(ipv4EndpointKey(-1, "1.2.3.4", 1)).toBe(-1);
  });
});

describe("EndpointIndex", () => {
  test("finds IPv4 and IPv6 entries, and deletes only the entry it is told", () => {
    const index = new EndpointIndex<{ name: string }>();
    const v = Object.fromEntries(["a", "a2", "b", "c", "d", "x"].map((name) => [name, { name }]));
    index.set(0, "127.0.0.1", 5000, v.a!);
    index.set(0, "::1", 5000, v.b!);
    index.set(1, "127.0.0.1", 5000, v.c!);
    index.set(40, "127.0.0.1", 5000, v.d!); // socket index past the numeric key: string key
    expect(index.size).toBe(4);
    expect(index.get(0, "127.0.0.1", 5000)).toBe(v.a!);
    expect(index.get(0, "::ffff:127.0.0.1", 5000)).toBe(v.a!);
    expect(index.get(0, "::1", 5000)).toBe(v.b!);
    expect(index.get(1, "127.0.0.1", 5000)).toBe(v.c!);
    expect(index.get(40, "127.0.0.1", 5000)).toBe(v.d!);
    expect(index.get(0, "127.0.0.1", 5001)).toBeUndefined();
    expect(index.get(0, "::2", 5000)).toBeUndefined();
    // a newer session holds the endpoint: deleting the old one leaves it
    index.set(0, "127.0.0.1", 5000, v.a2!);
    index.deleteIf(0, "127.0.0.1", 5000, v.a!);
    expect(index.get(0, "127.0.0.1", 5000)).toBe(v.a2!);
    index.deleteIf(0, "127.0.0.1", 5000, v.a2!);
    index.deleteIf(0, "::1", 5000, v.x!);
    expect(index.get(0, "::1", 5000)).toBe(v.b!);
    index.deleteIf(0, "::1", 5000, v.b!);
    index.deleteIf(40, "127.0.0.1", 5000, v.d!);
    expect(index.size).toBe(1);
    expect(index.get(1, "127.0.0.1", 5000)).toBe(v.c!);
  });
});
