import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { ClClient, ElClient, sequencerPublicKey, toHex } from "@paas/rollup";
import { afterAll, describe, expect, it } from "vitest";
import { proverPublicKeyFromKeyFile, SEQUENCER_KEY_FILE, startDevnet } from "../src/index.js";
import { SOME_PROGRAM_ID, SOME_PROVER_KEY, testDevnet } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "devnet-test-"));
  dirs.push(dir);
  return dir;
}

/** A devnet's chain as its RPC shows it: EL hashes, L2 blocks, chainstates, checkpoints. */
async function servedChain(url: string) {
  const cl = new ClClient({ url });
  const el = new ElClient({ url });
  const head = await el.blockNumber();
  const elHashes: string[] = [];
  for (let n = 0; n <= head; n++) elHashes.push(toHex((await el.getBlockByNumber(n))!.hash));
  const latest = (await cl.getLatestCheckpointIndex()) ?? -1;
  const checkpoints = [];
  for (let i = 0; i <= latest; i++) {
    const info = await cl.getCheckpointInfo(i);
    checkpoints.push({
      info,
      pre: await cl.getChainstate(info.l2Range.start - 1),
      post: await cl.getChainstate(info.l2Range.end),
    });
  }
  return {
    params: await cl.getRollupParams(),
    elHashes,
    blocks: await cl.getBlocksInRange(1, head),
    checkpoints,
  };
}

describe("startDevnet", () => {
  it("serves the same chain and checkpoints on two runs with the same seed", async () => {
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const devnet = await startDevnet({
        seed: "same-seed",
        slotsPerEpoch: 3,
        trustedProverKey: SOME_PROVER_KEY,
        checkpointProgramId: SOME_PROGRAM_ID,
      });
      await devnet.chain.produceEpochs(3);
      runs.push(await servedChain(devnet.url));
      runs.push(devnet.chain.checkpoints.map((c) => c.transition));
      await devnet.close();
    }
    expect(runs[0]).toEqual(runs[2]);
    expect(runs[1]).toEqual(runs[3]);
    expect((runs[0] as { checkpoints: unknown[] }).checkpoints).toHaveLength(3);
  });

  it("keeps the sequencer key and the chain in the data directory, and continues both on restart", async () => {
    const dataDir = path.join(tempDir(), "data");
    const first = await testDevnet({ seed: "key-test", dataDir });
    const file = path.join(dataDir, SEQUENCER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = Uint8Array.from(Buffer.from(readFileSync(file, "utf8").trim(), "hex"));
    expect(first.chain.params.sequencerPublicKey).toEqual(sequencerPublicKey(key));
    await first.chain.produceEpochs(1);
    const served = await servedChain(first.url);
    await first.close();
    const second = await testDevnet({ seed: "key-test", dataDir });
    expect(second.chain.params.sequencerPublicKey).toEqual(sequencerPublicKey(key));
    expect(await servedChain(second.url)).toEqual(served);
    await second.close();
    // Another seed on the same directory would mix two chains: refused, saying why.
    await expect(testDevnet({ seed: "another seed", dataDir })).rejects.toThrow(
      /holds another chain \(seed is "key-test" there, "another seed" here\)/,
    );
  });

  it("refuses a sequencer key file others can read", async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, SEQUENCER_KEY_FILE), `${"11".repeat(32)}\n`, { mode: 0o644 });
    await expect(testDevnet({ dataDir })).rejects.toThrow(/mode 0644/);
  });

  it("derives the trusted prover key from a native host key file", () => {
    const file = path.join(tempDir(), "native-host.key");
    writeFileSync(file, `${"22".repeat(32)}\n`, { mode: 0o600 });
    expect(proverPublicKeyFromKeyFile(file)).toEqual(schnorr.getPublicKey(new Uint8Array(32).fill(0x22)));
  });

  it("produces blocks on its block timer and stops producing on close", async () => {
    const devnet = await testDevnet({ seed: "timer", blockTimeMs: 10, slotsPerEpoch: 2 });
    const el = new ElClient({ url: devnet.url });
    while ((await el.blockNumber()) < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await devnet.close();
    const stoppedAt = devnet.chain.latestSlot;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(devnet.chain.latestSlot).toBe(stoppedAt);
    await expect(el.blockNumber({ timeoutMs: 1_000 })).rejects.toMatchObject({ failure: "unreachable" });
  });

  it("refuses oversized bodies and non-JSON-RPC requests as the JSON-RPC server does", async () => {
    const devnet = await testDevnet({ maxBodyBytes: 1024 });
    const big = await fetch(devnet.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: ["x".repeat(2000)] }),
    });
    expect(big.status).toBe(413);
    expect((await fetch(devnet.url)).status).toBe(405);
    expect((await fetch(new URL("/nothing", devnet.url), { method: "POST" })).status).toBe(404);
    const batch = await fetch(devnet.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: 2, method: "cl_getLatestCheckpointIndex" },
      ]),
    });
    expect(await batch.json()).toEqual([
      { jsonrpc: "2.0", id: 1, result: "0x0" },
      { jsonrpc: "2.0", id: 2, result: null },
    ]);
  });

  it("refuses a request naming another host, which a page rebound to 127.0.0.1 would send", async () => {
    const devnet = await testDevnet();
    const call = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(devnet.url);
        const req = request({
          host: "127.0.0.1",
          port,
          method: "POST",
          headers: { host, "content-type": "application/json", authorization: `Bearer ${devnet.adminToken}` },
        });
        req.on("response", async (res) => {
          let body = "";
          for await (const chunk of res) body += chunk;
          resolve({ status: res.statusCode ?? 0, body });
        });
        req.on("error", reject);
        req.end('{"jsonrpc":"2.0","id":1,"method":"devnet_produceBlocks","params":[1]}');
      });
    const { port } = new URL(devnet.url);
    const foreign = await call(`evil.example:${port}`);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.message).toMatch(/^host "evil\.example:\d+" is not served here/);
    expect(devnet.chain.latestSlot).toBe(0);
    expect((await call(`localhost:${port}`)).status).toBe(200);
  });

  it("refuses bad options before starting anything", async () => {
    await expect(testDevnet({ trustedProverKey: "00" })).rejects.toThrow(/trustedProverKey/);
    await expect(testDevnet({ blockTimeMs: -1 })).rejects.toThrow(/blockTimeMs/);
    await expect(testDevnet({ adminToken: "two words" })).rejects.toThrow(
      "adminToken must be non-empty, without whitespace",
    );
    // Past what a timer can wait: refused here, before its servers listen (they would be left open).
    await expect(testDevnet({ blockTimeMs: 2 ** 31 })).rejects.toThrow(
      "blockTimeMs must be an integer from 0 to 2147483647, got 2147483648",
    );
  });
});
