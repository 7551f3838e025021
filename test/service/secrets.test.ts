import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { OAuth2Client } from "google-auth-library";
import { readSecrets } from "../../service/secrets.ts";
import { SECRET_NAMES } from "../../service/secret-names.ts";

// Secret Manager's REST surface (the client's HTTP/1 "fallback" mode), on loopback.
const stored: Record<string, { status: number; data?: string }> = {};
const paths: string[] = [];
let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    paths.push(req.url!);
    const id = req.url!.match(/secrets\/([^/]+)\/versions\/latest:access/)?.[1] ?? "";
    const s = stored[id] ?? { status: 404 };
    res.writeHead(s.status, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        s.status === 200
          ? { name: `projects/p1/secrets/${id}/versions/3`, payload: { data: Buffer.from(s.data!).toString("base64") } }
          : { error: { code: s.status, message: `Secret [${id}] not found or has no versions.`, status: s.status === 404 ? "NOT_FOUND" : "PERMISSION_DENIED" } },
      ),
    );
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function client() {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "t", expiry_date: Date.now() + 3_600_000 });
  // google-gax bundles its own google-auth-library major; the client only calls getRequestHeaders/request on it.
  return new SecretManagerServiceClient({ fallback: true, apiEndpoint: "127.0.0.1", port, protocol: "http", authClient: authClient as never });
}

describe("readSecrets (Secret Manager client over REST against a loopback fake)", () => {
  it("reads each shared secret name into its env variable and lists the missing ones", async () => {
    stored[SECRET_NAMES.CURSOR_API_KEY] = { status: 200, data: "key_cursor_123456\n" };
    const { values, missing } = await readSecrets("p1", client());
    expect(values).toEqual({ CURSOR_API_KEY: "key_cursor_123456" });
    expect(missing).toEqual(["anthropic-admin-api-key"]);
    expect(paths.some((p) => p.startsWith("/v1/projects/p1/secrets/cursor-api-key/versions/latest:access"))).toBe(true);
  });

  it("fails clearly, naming the secret, when access is denied", async () => {
    stored[SECRET_NAMES.ANTHROPIC_ADMIN_API_KEY] = { status: 403 };
    await expect(readSecrets("p1", client())).rejects.toThrow(/reading secret anthropic-admin-api-key failed/);
  });
});
