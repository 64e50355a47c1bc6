/**
 * An Endpoint keeps its socket index, address and port as the address and one number
 * (endpoint.ts): the IPv4 key when there is one, else the socket index and port packed and
 * negated. Every kind of endpoint reads back what it was made of and matches only itself.
 */
import { expect, test } from "bun:test";
import { Endpoint, IPV4_SOCKETS_MAX } from "../../src/core/endpoint.ts";

const cases: [number, string, number][] = [
  [0, "192.0.2.1", 62_031],
  [0, "255.255.255.255", 65_535],
  [IPV4_SOCKETS_MAX - 1, "0.0.0.0", 0],
  [3, "::ffff:198.51.100.7", 1],
  [IPV4_SOCKETS_MAX, "192.0.2.17", 62_031], // past the IPv4 key's socket range
  [0, "2001:db8::1", 62_031],
  [0x7ffd, "fe80::1%eth0", 65_535],
  [-1, "", 0], // a blank session's endpoint
];

test("socket index and port read back for IPv4, mapped IPv4, IPv6, a far socket and a blank endpoint", () => {
  for (const [socketIndex, address, port] of cases) {
    const e = new Endpoint(socketIndex, address, port);
    expect([e.socketIndex, e.address, e.port]).toEqual([socketIndex, address, port]);
    if (socketIndex >= 0) expect(e.matches(socketIndex, address, port)).toBe(true);
  }
});

test("an endpoint matches only its own socket, address and port", () => {
  for (const [socketIndex, address, port] of cases) {
    if (socketIndex < 0) continue;
    const e = new Endpoint(socketIndex, address, port);
    expect(e.matches(socketIndex + 1, address, port)).toBe(false);
    expect(e.matches(socketIndex, address, port === 0 ? 1 : port - 1)).toBe(false);
    expect(e.matches(socketIndex, address === "0.0.0.0" ? "0.0.0.1" : "192.0.2.99", port)).toBe(false);
  }
});
