import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcClient, RpcErrorCode } from "@paas/jsonrpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Devnet, FaultState } from "../src/index.js";
import { testDevnet } from "./helpers.js";

const dir = mkdtempSync(path.join(tmpdir(), "devnet-admin-auth-"));
let devnet: Devnet;

beforeAll(async () => {
  devnet = await testDevnet({ seed: "admin-auth-test", dataDir: path.join(dir, "chain") });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

/** A raw call, as curl would send it: the answer's HTTP status and JSON body. */
async function post(method: string, params: unknown[] = [], token?: string, url = devnet.url) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

describe("the admin namespace's token", () => {
  it("refuses devnet_pauseCl without a token, saying which token to send and where it is", async () => {
    const { status, body } = await post("devnet_pauseCl");
    expect(status).toBe(200);
    expect(body.error?.code).toBe(RpcErrorCode.UNAUTHORIZED);
    const file = path.join(dir, "chain", "rpc-token");
    expect(body.error?.message).toBe(
      `unauthorized: method "devnet_pauseCl": it requires a bearer token (Authorization: Bearer <token>); the devnet's admin token is the first line of ${file}`,
    );
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(devnet.faults.state.clPaused).toBe(false);
  });

  it("refuses every state-changing admin method without it, and a wrong one too", async () => {
    for (const [method, params] of [
      ["devnet_produceBlocks", [1]],
      ["devnet_resumeCl", []],
      ["devnet_failNext", [1]],
      ["devnet_setDelay", [10]],
      ["devnet_clearFaults", []],
    ] as const) {
      expect((await post(method, [...params])).body.error?.code, method).toBe(RpcErrorCode.UNAUTHORIZED);
    }
    const wrong = await post("devnet_pauseCl", [], "not-the-token");
    expect(wrong.body.error?.message).toMatch(
      /the bearer token does not match the server's; the devnet's admin token/,
    );
    expect(devnet.chain.latestSlot).toBe(0);
    expect(devnet.faults.state).toMatchObject({ clPaused: false, failNext: 0, delayMs: 0 });
  });

  it("writes the token and the URL it is for to <dataDir>/rpc-token, owner only, and takes it", async () => {
    const file = path.join(dir, "chain", "rpc-token");
    expect(devnet.adminTokenFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(`${devnet.adminToken}\n${devnet.url}\n`);
    const admin = new JsonRpcClient({ url: devnet.url, bearerToken: devnet.adminToken, timeoutMs: 5_000 });
    expect((await admin.call<FaultState>("devnet_pauseCl")).clPaused).toBe(true);
    expect((await admin.call<FaultState>("devnet_clearFaults")).clPaused).toBe(false);
  });

  it("leaves reads open: devnet_status, the CL (proof submission included) and the EL need no token", async () => {
    expect((await post("devnet_status")).body.result).toMatchObject({ slot: 0, producing: false });
    expect((await post("eth_blockNumber")).body.result).toBe("0x0");
    // Answered on its merits, not refused as unauthorized: a CL takes proofs from anyone.
    const submitted = await post("cl_submitCheckpointProof", [0, "0x00"]);
    expect(submitted.body.error).toMatchObject({
      code: RpcErrorCode.NOT_FOUND,
      message: "checkpoint 0 not found",
    });
  });

  it("deletes the token file when it closes", async () => {
    const own = await testDevnet({ seed: "admin-auth-close", dataDir: path.join(dir, "closed") });
    const file = path.join(dir, "closed", "rpc-token");
    expect(existsSync(file)).toBe(true);
    await own.close();
    expect(existsSync(file)).toBe(false);
  });

  it("takes a token given to startDevnet, and names no file without a data directory", async () => {
    const own = await testDevnet({ seed: "admin-auth-given", adminToken: "given-token-0123456789" });
    expect(own.adminToken).toBe("given-token-0123456789");
    const refused = await post("devnet_pauseCl", [], undefined, own.url);
    expect(refused.body.error?.message).toMatch(
      /; the devnet's admin token is the one it was started with \(startDevnet's adminToken, Devnet\.adminToken\)$/,
    );
    const admin = new JsonRpcClient({
      url: own.url,
      bearerToken: "given-token-0123456789",
      timeoutMs: 5_000,
    });
    expect((await admin.call<FaultState>("devnet_pauseCl")).clPaused).toBe(true);
  });
});
