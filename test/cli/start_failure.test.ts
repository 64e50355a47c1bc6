/** Why the server could not start, in plain words (src/cli/serve.ts startFailureReason); the look-up is injected (no name server is asked). */
import { describe, expect, test } from "bun:test";
import { startFailureReason } from "../../src/cli/serve.ts";
import type { HostLookup } from "../../src/config/host_check.ts";
import { defaultConfig } from "../../src/config/schema.ts";

function httpError(code: string): Error {
  const error = new Error(`HTTP status API: cannot listen on TCP status.example:8062 (http.bind_address, http.port) [${code}]: ${code}: listen`, {
    cause: Object.assign(new Error(`${code}: listen`), { code }),
  });
  error.name = "HttpApiStartError";
  return error;
}

const notFound: HostLookup = async (host) => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
};
const found: HostLookup = async () => [{ address: "127.0.0.1", family: 4 }];

describe("start failure reasons", () => {
  const config = defaultConfig();
  config.http.enabled = true;
  config.http.bind_address = "status.example";

  test("HTTP API: a host name that stopped resolving is told as such, not as a port in use", async () => {
    expect(await startFailureReason(httpError("EINVAL"), config, notFound)).toBe(
      'the HTTP status API cannot listen: http.bind_address "status.example" does not resolve (ENOTFOUND)',
    );
  });

  test("HTTP API: address not on this machine, port taken, not allowed", async () => {
    expect(await startFailureReason(httpError("EADDRNOTAVAIL"), config, found)).toContain("not an address of this machine");
    expect(await startFailureReason(httpError("EADDRINUSE"), config, found)).toContain("is already in use");
    expect(await startFailureReason(httpError("EACCES"), config, found)).toContain("CAP_NET_BIND_SERVICE");
    expect(await startFailureReason(httpError("EINVAL"), config, found)).toContain("cannot listen on TCP status.example:8062");
  });

  test("UDP: port in use and missing address name the HBP port; anything unexpected is null (logged with its stack)", async () => {
    config.hbp.port = 62031;
    expect(await startFailureReason(Object.assign(new Error("bind"), { code: "EADDRINUSE" }), config, found)).toStartWith("UDP port 62031 on :: is already in use");
    expect(await startFailureReason(Object.assign(new Error("bind"), { code: "EADDRNOTAVAIL" }), config, found)).toContain("no such local address");
    expect(await startFailureReason(new TypeError("undefined is not an object"), config, found)).toBeNull();
  });
});
