/**
 * A change refused for want of a token says why none was sent: the CLI looked for the rpc-token
 * in `--datadir` (default ./data) and found none, as when the prover client runs with another
 * data directory. The server alone cannot say it ("it requires a bearer token").
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rpcClient } from "../src/cli/rpc-client.js";

let server: Server;
let url: string;
let dir: string;
/** The Authorization header of the last request, as the server saw it. */
let lastAuthorization: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-token-hint-"));
  // A server that refuses every call for want of a token, as the prover client does for actions.
  server = createServer((req, res) => {
    lastAuthorization = req.headers.authorization;
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: number };
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          error: {
            code: -32001,
            message:
              'unauthorized: method "paas_submitTask": it requires a bearer token (Authorization: Bearer <token>)',
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it("says where it looked when no token was found", async () => {
  const empty = path.join(dir, "empty");
  const client = await rpcClient({ rpc: url, datadir: empty });
  const refused = await client.call("paas_submitTask", [{ kind: "checkpoint", index: 1 }]).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(lastAuthorization).toBeUndefined();
  expect(refused?.message).toContain("requires a bearer token");
  expect(refused?.message).toContain(
    `(none was sent: no --token or PAAS_RPC_TOKEN, and no rpc-token in ${empty}, which a prover client started there writes: give --datadir <its data directory> or --token)`,
  );
});

it("still names the other URL when the data directory's token is for another server", async () => {
  const other = path.join(dir, "other");
  mkdirSync(other);
  writeFileSync(path.join(other, "rpc-token"), `${"a".repeat(64)}\nhttp://127.0.0.1:1/\n`, { mode: 0o600 });
  const client = await rpcClient({ rpc: url, datadir: other });
  const refused = await client.call("paas_submitTask", []).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(refused?.message).toContain(
    `(the rpc-token in ${other} is for http://127.0.0.1:1/, so none was sent to ${url}`,
  );
  expect(refused?.message).not.toContain("none was sent: no --token");
});

it("adds nothing to a refusal of a token that was sent", async () => {
  const client = await rpcClient({ rpc: url, datadir: path.join(dir, "empty"), token: "t".repeat(32) });
  const refused = await client.call("paas_submitTask", []).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(lastAuthorization).toBe(`Bearer ${"t".repeat(32)}`);
  expect(refused?.message).not.toContain("none was sent");
});
