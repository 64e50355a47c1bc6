/**
 * A configuration packet (RPTC) that cannot be read is explained, not silent: a session.refused
 * event with reason "bad-config" (the event log words and rate-limits it), the login stays
 * pending, and a readable RPTC afterwards completes it.
 */
import { afterEach, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
let client: HbpClient | null = null;
afterEach(async () => {
  await client?.close();
  await server?.stop();
  client = null;
  server = null;
});

test("an unreadable RPTC is a bad-config refusal event; a readable one then logs the hotspot in", async () => {
  server = await startTestServer();
  client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345609 });
  client.sendRptl();
  const salt = await client.waitFor((r) => r.tag === "RPTACK");
  expect(salt).not.toBeNull();
  client.salt = new DataView(salt!.bytes.buffer, salt!.bytes.byteOffset).getUint32(6);
  client.sendRptk();
  expect(await client.waitFor((r) => r.tag === "RPTACK", 2000, client.received.indexOf(salt!) + 1)).not.toBeNull();
  // "RPTC" + id + 10 bytes: far shorter than the 302-byte configuration
  const broken = new Uint8Array(18);
  broken.set(new TextEncoder().encode("RPTC"), 0);
  new DataView(broken.buffer).setUint32(4, 2345609);
  client.send(broken);
  const refused = await server.waitForEvent("session.refused", (e) => e.repeaterId === 2345609);
  expect(refused?.reason).toBe("bad-config");
  expect(server.hbp.connectedCount).toBe(0);
  client.sendRptc();
  expect(await server.until(() => server!.hbp.connectedCount === 1)).toBe(true);
});
