/**
 * http.bind_address must be a literal address or a host name that resolves (src/config/host_check.ts).
 * The look-up is injected: tests never query a name server (no traffic off the machine).
 */
import { describe, expect, test } from "bun:test";
import { hostErrors, type HostLookup } from "../../src/config/host_check.ts";
import { formatConfigError } from "../../src/config/errors.ts";
import { defaultConfig, type Config } from "../../src/config/schema.ts";

function withHttp(bindAddress: string, enabled = true): Config {
  const config = defaultConfig();
  config.http.enabled = enabled;
  config.http.bind_address = bindAddress;
  return config;
}

function lookupOf(table: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    const addresses = table[host];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe("http.bind_address resolvability", () => {
  test("a name that does not resolve is an error naming the key and the reason", async () => {
    const lookup = lookupOf({});
    const errors = await hostErrors(withHttp("status.example.invalid"), lookup);
    expect(errors.map((e) => e.path)).toEqual(["http.bind_address"]);
    expect(formatConfigError(errors[0]!)).toBe(
      'http.bind_address: got "status.example.invalid", expected a host name this machine can resolve, or a literal IP address ("status.example.invalid" does not resolve: no such host, ENOTFOUND)',
    );
    expect(lookup.calls).toEqual(["status.example.invalid"]);
  });

  test("a name that resolves, and literal addresses (not looked up), pass", async () => {
    const lookup = lookupOf({ localhost: ["127.0.0.1", "::1"] });
    expect(await hostErrors(withHttp("localhost"), lookup)).toEqual([]);
    for (const literal of ["127.0.0.1", "::1", "0.0.0.0", "::"]) expect(await hostErrors(withHttp(literal), lookup)).toEqual([]);
    expect(lookup.calls).toEqual(["localhost"]);
  });

  test("a string that is no host name is refused without a look-up", async () => {
    const lookup = lookupOf({});
    for (const bad of ["no such host", "-x", "a..b", "host_name"]) {
      const errors = await hostErrors(withHttp(bad), lookup);
      expect(errors[0]?.expected).toContain("a literal IP address");
    }
    expect(lookup.calls).toEqual([]);
  });

  test("a look-up that never answers counts as unresolvable after the timeout", async () => {
    const never: HostLookup = () => new Promise(() => {});
    const errors = await hostErrors(withHttp("slow.example"), never, 20);
    expect(errors[0]?.expected).toContain("took more than");
  });

  test("not checked while the HTTP API is off", async () => {
    const lookup = lookupOf({});
    expect(await hostErrors(withHttp("status.example.invalid", false), lookup)).toEqual([]);
    expect(lookup.calls).toEqual([]);
  });
});
