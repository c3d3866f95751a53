import { PermanentError } from "@paas/core";
import { createCommon, devnetChainConfig } from "@paas/evm";
import { buildMixedChain, type MixedChain } from "@paas/evm/testing";
import { ElClient, type EvmEeStfOutput } from "@paas/rollup";
import type { PluginHarness, StubRpc } from "@paas/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { fetchRange, parseEvmEeStfSettings } from "../src/index.js";
import { contextForBlocks, elRpcHandlers, type RpcHandlers } from "../src/testing.js";
import { buildFork, type Fork } from "./support/chain.js";
import { errorOf, startHarness, startNode } from "./support/harness.js";

/**
 * How EL node trouble is classified: an unreachable, slow or failing node is transient (retried,
 * then the proof completes); a reorg of the range is permanent and says so, naming both hashes.
 */
describe("EL node failures", () => {
  let chain: MixedChain;
  let fork: Fork;
  let node: StubRpc;
  let harness: PluginHarness;
  let handlers: RpcHandlers;

  beforeAll(async () => {
    chain = await buildMixedChain();
    // Same blocks 1..2, then other blocks 3..5.
    fork = await buildFork(chain, 2, 3);
    handlers = elRpcHandlers(chain.chain);
    node = await startNode(chain.chain);
    harness = await startHarness(node, { timeoutMs: 1_000 });
  });
  afterEach(() => {
    for (const [method, handler] of Object.entries(handlers)) node.handle(method, handler);
  });
  afterAll(async () => {
    await harness?.close();
    await node?.close();
  });

  it("retries HTTP 500s within the call, without failing the attempt, and proves", async () => {
    const context = contextForBlocks(chain.blocks[0]!, chain.blocks[1]!);
    node.failNext({ mode: "http500" }, { times: 3 });
    const { record, output } = await harness.prove<EvmEeStfOutput>(context);
    expect(record.status).toBe("completed");
    expect(output?.blocks).toHaveLength(2);
    expect(harness.statusesOf(context)).not.toContain("transient_failure");
    expect(node.calls.filter((c) => c.outcome === "http500")).toHaveLength(3);
  });

  it("retries a witness call that keeps timing out as a transient failure of the task, then proves", async () => {
    const context = contextForBlocks(chain.blocks[2]!);
    // More timeouts than one call's attempts: the attempt fails and the task is retried.
    node.failNext({ mode: "timeout" }, { method: "debug_executionWitness", times: 4 });
    const { record } = await harness.prove(context);
    expect(record.status).toBe("completed");
    expect(harness.statusesOf(context)).toContain("transient_failure");
    const transient = harness.transitions.find(
      (t) => t.id === harness.keyOf(context) && t.to === "transient_failure",
    );
    expect(transient?.error).toMatch(/debug_executionWitness/);
  });

  it("waits for a block the node does not have yet", async () => {
    const context = contextForBlocks(chain.blocks[3]!, chain.blocks[4]!);
    // The node is behind: it does not serve block 5 yet.
    const behind = elRpcHandlers({
      getBlockByNumber: (n) => (Number(n) >= 5 ? undefined : chain.chain.getBlockByNumber(n)),
      getBlockByHash: (hash) => chain.chain.getBlockByHash(hash),
      latestNumber: 4n,
    });
    // It answers debug_getRawBlock(5) with "not found" (-32004), as the devnet does.
    for (const method of ["eth_blockNumber", "eth_getBlockByNumber", "debug_getRawBlock"]) {
      node.handle(method, behind[method]!);
    }
    await harness.submit(context);
    const waiting = await harness.waitForStatus(context, "transient_failure");
    expect("error" in waiting && waiting.error).toBe(
      "the EL node has no block 5 yet (its latest is 4): waiting for it",
    );
    // Waiting for the chain uses up no retries.
    expect(waiting.retryCount).toBe(0);
    for (const [method, handler] of Object.entries(handlers)) node.handle(method, handler);
    expect((await harness.waitFor(context)).status).toBe("completed");
  });

  it("waits for a block a node that is behind answers `null` for", async () => {
    const context = contextForBlocks(chain.blocks[4]!);
    const behind = elRpcHandlers({
      getBlockByNumber: (n) => (Number(n) >= 5 ? undefined : chain.chain.getBlockByNumber(n)),
      getBlockByHash: (hash) => chain.chain.getBlockByHash(hash),
      latestNumber: 4n,
    });
    for (const method of ["eth_blockNumber", "eth_getBlockByNumber"]) node.handle(method, behind[method]!);
    // Some nodes answer a raw block they lack with `null` rather than an error or empty bytes.
    node.handle("debug_getRawBlock", (params) =>
      (params as [string])[0] === "0x5" ? null : handlers.debug_getRawBlock!(params),
    );
    await harness.submit(context);
    const waiting = await harness.waitForStatus(context, "transient_failure");
    expect("error" in waiting && waiting.error).toBe(
      "the EL node has no block 5 yet (its latest is 4): waiting for it",
    );
    expect(waiting.retryCount).toBe(0);
    for (const [method, handler] of Object.entries(handlers)) node.handle(method, handler);
    expect((await harness.waitFor(context)).status).toBe("completed");
  });

  it("refuses at submit a range the node contradicts or that ends beyond the horizon", async () => {
    const known = contextForBlocks(chain.blocks[0]!, chain.blocks[1]!);
    await expect(
      harness.submit({ ...known, end: { ...known.end, hash: `0x${"ee".repeat(32)}` } }),
    ).rejects.toThrow(
      `invalid evm-ee-stf context: end.hash: the EL node's block 2 is ${known.end.hash}, not 0x${"ee".repeat(32)}`,
    );
    const far = {
      ...known,
      start: { number: 9_999, hash: `0x${"ee".repeat(32)}` },
      end: { number: 10_000, hash: `0x${"ee".repeat(32)}` },
    };
    await expect(harness.submit(far)).rejects.toThrow(
      /end\.number: block 10000 is more than 64 blocks past the EL node's latest \(5\).*plugin_settings\.evm-ee-stf\.horizon/,
    );
    expect(harness.statusesOf(far)).toEqual([]);
    // Starting within reach is not enough: the range must end within it.
    const straddling = {
      ...far,
      start: { number: 7, hash: far.start.hash },
      end: { number: 70, hash: far.end.hash },
    };
    await expect(harness.submit(straddling)).rejects.toThrow(
      /end\.number: block 70 is more than 64 blocks past the EL node's latest \(5\)/,
    );
    expect(harness.statusesOf(straddling)).toEqual([]);
  });

  it("refuses at submit a range under rules it does not execute, before fetching any witness", async () => {
    // The chain spec schedules Osaka from just after genesis: every block of this chain is Osaka's.
    const osaka = await startHarness(node, {
      settings: { chain_spec: { ...devnetChainConfig(), osakaTime: 1 } },
    });
    try {
      const context = contextForBlocks(chain.blocks[0]!, chain.blocks[1]!);
      await expect(osaka.submit(context)).rejects.toThrow(
        /^invalid evm-ee-stf context: start\.number: block 1: its timestamp \d+ is at or after osakaTime = 1; osaka is not executed/,
      );
      expect(osaka.statusesOf(context)).toEqual([]);
    } finally {
      await osaka.close();
    }
  });

  it("refuses a block under rules it does not execute before fetching its witness, when admission could not look", async () => {
    const osaka = await startHarness(node, {
      settings: { chain_spec: { ...devnetChainConfig(), osakaTime: 1 } },
    });
    try {
      const context = contextForBlocks(chain.blocks[0]!, chain.blocks[1]!);
      // Admission cannot ask the node, so it accepts, as it does a CL STF's dependencies unasked.
      node.handle("eth_getBlockByNumber", () => {
        throw Object.assign(new Error("not now"), { code: -32603 });
      });
      const witnesses = node.callsOf("debug_executionWitness").length;
      await osaka.submit(context);
      node.handle("eth_getBlockByNumber", handlers.eth_getBlockByNumber!);
      const record = await osaka.waitFor(context);
      expect(errorOf(record)).toMatch(
        /^blocks 1\.\.2: UNSUPPORTED_RULES: block 1: its timestamp \d+ is at or after osakaTime = 1; osaka is not executed/,
      );
      // The raw block said so: no witness of the range was fetched for the program to refuse.
      expect(node.callsOf("debug_executionWitness").length).toBe(witnesses);
    } finally {
      await osaka.close();
    }
  });

  it("accepts a range at once when the node does not answer admission's lookups", async () => {
    // The prover client's default node deadline: one lookup retried would hold the submit ~40 s.
    const slow = await startHarness(node, { timeoutMs: 10_000 });
    try {
      node.handle("eth_getBlockByNumber", () => new Promise(() => {}));
      const context = contextForBlocks(chain.blocks[0]!);
      const started = performance.now();
      // Accepted, not refused: the fetch meets the node's trouble and classifies it.
      await slow.submit(context);
      expect(performance.now() - started).toBeLessThan(8_000);
    } finally {
      await slow.close();
    }
  });

  it("takes an empty raw block as a block the node does not have", async () => {
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[4]!);
    let empty = 2;
    node.handle("debug_getRawBlock", (params) =>
      (params as [string])[0] === "0x5" && empty-- > 0 ? "0x" : handlers.debug_getRawBlock!(params),
    );
    const { record } = await harness.prove(context);
    expect(record.status).toBe("completed");
    const errors = harness.transitions
      .filter((t) => t.id === harness.keyOf(context) && t.to === "transient_failure")
      .map((t) => t.error);
    // The node's latest is block 5, so it is not missing for want of time: a retried failure.
    expect(errors).toEqual([
      "the EL node does not serve block 5 (its latest is 5)",
      "the EL node does not serve block 5 (its latest is 5)",
    ]);
  });

  it("fails permanently, naming the block, when the node answers a witness that is not one", async () => {
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[3]!);
    node.handle("debug_executionWitness", (params) =>
      (params as [string])[0] === "0x3" ? null : handlers.debug_executionWitness!(params),
    );
    const { record } = await harness.prove(context);
    expect(errorOf(record)).toMatch(/^block 3: debug_executionWitness: invalid result: /);
    expect(harness.statusesOf(context)).not.toContain("transient_failure");
  });

  it("reports a reorg between submit and fetch, permanently, naming the block and both hashes", async () => {
    // Submitted through paas_proveElBlocks while the node serves the original chain...
    let lookups = 0;
    const forked = elRpcHandlers(fork.chain);
    node.handle("eth_getBlockByNumber", (params) => {
      lookups++;
      // ...the method's two hash lookups and admission's two see the original chain, then the node
      // switches to the fork (the fetch reads the fork's raw blocks and witnesses).
      return lookups <= 4 ? handlers.eth_getBlockByNumber!(params) : forked.eth_getBlockByNumber!(params);
    });
    node.handle("debug_getRawBlock", forked.debug_getRawBlock!);
    node.handle("debug_executionWitness", forked.debug_executionWitness!);
    const method = harness.service.rpcMethods().get("paas_proveElBlocks")!;
    const { id, task } = (await method.handler([3, 4])) as {
      id: string;
      task: { taskId: { context: unknown } };
    };
    expect(task.taskId.context).toEqual(contextForBlocks(chain.blocks[2]!, chain.blocks[3]!));
    const record = await harness.service.wait(id, { timeoutMs: 30_000 });
    const error = errorOf(record);
    const reorgAt = (n: number) =>
      `reorg: the EL node's block ${n} is ${fork.blocks[n - 1]!.hash}, not ${chain.blocks[n - 1]!.hash}`;
    expect(error.includes(reorgAt(3)) || error.includes(reorgAt(4)), error).toBe(true);
    expect(fork.blocks[2]!.hash).not.toBe(chain.blocks[2]!.hash);
    // Permanent at once: never retried.
    expect(harness.transitions.filter((t) => t.id === id).map((t) => t.to)).not.toContain(
      "transient_failure",
    );
  });

  it("refuses a range whose end was replaced while its start still matches", async () => {
    // Blocks 1..2 are on both chains; once the task is admitted (two lookups of the original
    // chain), the node serves the fork, whose block 3 differs.
    const forked = elRpcHandlers(fork.chain);
    for (const [method, handler] of Object.entries(forked)) node.handle(method, handler);
    let lookups = 0;
    node.handle("eth_getBlockByNumber", (params) =>
      ++lookups <= 2 ? handlers.eth_getBlockByNumber!(params) : forked.eth_getBlockByNumber!(params),
    );
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[2]!);
    const { record } = await harness.prove(context);
    expect(errorOf(record)).toContain(
      `reorg: the EL node's block 3 is ${fork.blocks[2]!.hash}, not ${chain.blocks[2]!.hash} as the context's end says`,
    );
  });

  it("retries when the node's blocks stop linking mid-fetch, then proves", async () => {
    // Block 4 is briefly served from the fork: it does not link to block 3, though both ends match.
    const forked = elRpcHandlers(fork.chain);
    let served = 0;
    node.handle("debug_getRawBlock", (params) => {
      const [ref] = params as [string];
      if (ref === "0x4" && served++ === 0) return forked.debug_getRawBlock!(params);
      return handlers.debug_getRawBlock!(params);
    });
    const context = contextForBlocks(chain.blocks[2]!, chain.blocks[4]!);
    const { record } = await harness.prove(context);
    expect(record.status).toBe("completed");
    const transient = harness.transitions.find(
      (t) => t.id === harness.keyOf(context) && t.to === "transient_failure",
    );
    expect(transient?.error).toContain(
      `the EL node's chain changed during the fetch: block 4's parent hash ${fork.blocks[2]!.hash} is not the hash ${chain.blocks[2]!.hash} of the block 3 it served`,
    );
  });
});

describe("plugin settings at work", () => {
  let chain: MixedChain;
  let node: StubRpc;
  let harness: PluginHarness | undefined;

  beforeAll(async () => {
    chain = await buildMixedChain();
    node = await startNode(chain.chain);
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  afterAll(async () => {
    await node?.close();
  });

  it("fails permanently, naming the setting, when the node's transactions are for another chain", async () => {
    harness = await startHarness(node, {
      settings: {
        chain_spec: { chainId: 7, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 },
      },
    });
    // The node claims the configured chain: its transactions still say otherwise.
    const honest = elRpcHandlers(chain.chain).eth_chainId!;
    onTestFinished(() => node.handle("eth_chainId", honest));
    node.handle("eth_chainId", () => "0x7");
    const { record } = await harness.prove(contextForBlocks(chain.blocks[0]!));
    expect(errorOf(record)).toMatch(
      /block 1: transaction 0 is for chain 1337, but this plugin executes chain 7; set plugin_settings.evm-ee-stf.chain_spec to the EL's chain spec/,
    );
  });

  it("refuses at submit, naming the setting, a range of a node serving another chain", async () => {
    harness = await startHarness(node, {
      settings: {
        chain_spec: { chainId: 7, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 },
      },
    });
    await expect(harness.submit(contextForBlocks(chain.blocks[4]!))).rejects.toThrow(
      "invalid evm-ee-stf context: the EL node serves chain 1337, but this plugin executes chain 7; set plugin_settings.evm-ee-stf.chain_spec to the EL's chain spec",
    );
  });

  it("fails permanently, naming the setting, when the node serves another chain whose blocks carry no chain id", async () => {
    // A CL STF's dependencies are not admitted: the fetcher asks the node too.
    const settings = parseEvmEeStfSettings({
      chain_spec: { chainId: 7, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 },
    });
    const el = new ElClient({ url: node.url });
    // Block 5 is empty: no transaction says which chain it is on, so only the node can.
    const fetching = fetchRange(
      el,
      contextForBlocks(chain.blocks[4]!),
      settings,
      createCommon(settings.chainSpec),
      new AbortController().signal,
    );
    await expect(fetching).rejects.toThrow(
      new PermanentError(
        "blocks 5..5: the EL node serves chain 1337, but this plugin executes chain 7; set plugin_settings.evm-ee-stf.chain_spec to the EL's chain spec",
      ),
    );
  });

  it("fetches one block at a time with fetch_concurrency = 1", async () => {
    harness = await startHarness(node, { settings: { fetch_concurrency: 1 } });
    const before = node.calls.length;
    const { record } = await harness.prove(contextForBlocks(chain.blocks[0]!, chain.blocks[2]!));
    expect(record.status).toBe("completed");
    const methods = node.calls.slice(before).map((c) => `${c.method}(${(c.params as string[])[0]})`);
    expect(methods).toEqual([
      // Admission: the node's chain, its blocks at both ends.
      "eth_chainId(undefined)",
      "eth_getBlockByNumber(0x1)",
      "eth_getBlockByNumber(0x3)",
      "eth_chainId(undefined)",
      "debug_getRawBlock(0x1)",
      "debug_executionWitness(0x1)",
      "debug_getRawBlock(0x2)",
      "debug_executionWitness(0x2)",
      "debug_getRawBlock(0x3)",
      "debug_executionWitness(0x3)",
      "eth_getBlockByNumber(0x3)",
    ]);
  });
  it("stops fetching a range whose blocks and witnesses pass max_input_mb, naming the setting", async () => {
    harness = await startHarness(node, { settings: { max_input_mb: 1, fetch_concurrency: 1 } });
    // Block 1's witness padded past 1 MiB with nodes nothing reads (each witness within its own limits).
    const padding = Array.from(
      { length: 600 },
      (_, i) => `0x${i.toString(16).padStart(8, "0")}${"ab".repeat(2_044)}`,
    );
    const honest = elRpcHandlers(chain.chain).debug_executionWitness!;
    onTestFinished(() => node.handle("debug_executionWitness", honest));
    node.handle("debug_executionWitness", async (params) => {
      const witness = (await honest(params)) as { state: string[] };
      return (params as [string])[0] === "0x1"
        ? { ...witness, state: [...witness.state, ...padding] }
        : witness;
    });
    const before = node.calls.length;
    const { record } = await harness.prove(contextForBlocks(chain.blocks[0]!, chain.blocks[2]!));
    expect(errorOf(record)).toMatch(
      /^blocks 1\.\.3: the EL node's blocks and witnesses passed max_input_mb = 1 at block 1 \(2 MiB fetched\): split the range, or raise plugin_settings\.evm-ee-stf\.max_input_mb$/,
    );
    // Nothing more was fetched for it.
    expect(node.calls.slice(before).some((c) => (c.params as string[])[0] === "0x2")).toBe(false);
  });
});
