/**
 * A change refused for want of a token says why none was sent: the CLI looked for the rpc-token
 * in `--datadir` (default ./data) and found none, as when the prover client runs with another
 * data directory. The server alone cannot say it ("it requires a bearer token").
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stubProverRpc } from "../scenarios/stub-rpc.js";
import { rpcClient } from "../src/cli/rpc-client.js";

let server: Awaited<ReturnType<typeof stubProverRpc>>;
let url: string;
let dir: string;
/** The Authorization header of the last request, as the server saw it. */
let lastAuthorization: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-token-hint-"));
  // A server that refuses every call for want of a token, as the prover client does for actions.
  server = await stubProverRpc(({ authorization }) => {
    lastAuthorization = authorization;
    return {
      error: {
        code: -32001,
        message:
          'unauthorized: method "paas_submitTask": it requires a bearer token (Authorization: Bearer <token>)',
      },
    };
  });
  url = server.url;
});

afterAll(async () => {
  await server.close();
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
