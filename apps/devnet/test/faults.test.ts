import { JsonRpcClient, JsonRpcPermanentError, JsonRpcTransientError } from "@paas/jsonrpc";
import { ClClient, ElClient } from "@paas/rollup";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Devnet, FaultState } from "../src/index.js";
import { failure, testDevnet } from "./helpers.js";

let devnet: Devnet;
let cl: ClClient;
let el: ElClient;
let admin: JsonRpcClient;

beforeAll(async () => {
  devnet = await testDevnet({ seed: "faults-test", slotsPerEpoch: 2 });
  await devnet.chain.produceEpochs(1);
  // One try per call: these tests watch each fault the switches produce, not a client riding them out.
  cl = new ClClient({ url: devnet.url, timeoutMs: 5_000, retry: { attempts: 1 } });
  el = new ElClient({ url: devnet.url, timeoutMs: 5_000, retry: { attempts: 1 } });
  admin = new JsonRpcClient({ url: devnet.url, bearerToken: devnet.adminToken, timeoutMs: 5_000 });
});

beforeEach(() => devnet.faults.clear());

describe("fault switches", () => {
  it("pausing the CL answers its calls with HTTP 503 (transient) while the EL keeps answering, until resumed", async () => {
    devnet.faults.pauseCl();
    const error = await failure(cl.getLatestCheckpointIndex());
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error).toMatchObject({ failure: "http-status", httpStatus: 503 });
    expect(await el.blockNumber()).toBe(2);
    devnet.faults.resumeCl();
    expect(await cl.getLatestCheckpointIndex()).toBe(0);
  });

  it("fails the next N calls with HTTP 500 (transient), then recovers", async () => {
    devnet.faults.failNext(2);
    const first = await failure(cl.getRollupParams());
    const second = await failure(el.blockNumber());
    for (const error of [first, second]) {
      expect(error).toBeInstanceOf(JsonRpcTransientError);
      expect(error).toMatchObject({ failure: "http-status", httpStatus: 500 });
    }
    expect(await el.blockNumber()).toBe(2);
    expect(devnet.faults.state.failNext).toBe(0);
  });

  it("scopes failures and delays to one namespace", async () => {
    devnet.faults.failNext(1, "el");
    expect(await cl.getLatestCheckpointIndex()).toBe(0);
    expect(await failure(el.blockNumber())).toBeInstanceOf(JsonRpcTransientError);
    // Deadlines well short of the delay: the EL answering only within 5 s passed with the delay
    // applied to every namespace, waited out.
    devnet.faults.setDelay(2_000, "cl");
    expect(await el.blockNumber({ timeoutMs: 500 })).toBe(2);
    expect(await failure(cl.getLatestCheckpointIndex({ timeoutMs: 500 }))).toMatchObject({
      failure: "timeout",
    });
  });

  it("delays answers: a client with a shorter deadline times out (transient), a patient one gets the answer", async () => {
    devnet.faults.setDelay(300);
    const error = await failure(el.blockNumber({ timeoutMs: 50 }));
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error).toMatchObject({ failure: "timeout" });
    expect(await el.blockNumber({ timeoutMs: 5_000 })).toBe(2);
  });

  it("is switched over JSON-RPC too (devnet_* calls are never faulted)", async () => {
    const state = await admin.call<FaultState>("devnet_pauseCl");
    expect(state.clPaused).toBe(true);
    expect(await failure(cl.getRollupParams())).toBeInstanceOf(JsonRpcTransientError);
    await admin.call("devnet_failNext", [5]);
    expect((await admin.call<{ faults: FaultState }>("devnet_status")).faults).toMatchObject({
      clPaused: true,
      failNext: 5,
    });
    expect(await admin.call<FaultState>("devnet_setDelay", [10, "el"])).toMatchObject({
      delayMs: 10,
      delayScope: "el",
    });
    await admin.call("devnet_clearFaults");
    expect(await cl.getLatestCheckpointIndex()).toBe(0);
    const bad = await failure(admin.call("devnet_failNext", [-1]));
    expect(bad).toBeInstanceOf(JsonRpcPermanentError);
    const produced = await admin.call<{ slot: number; latestCheckpointIndex: number }>(
      "devnet_produceBlocks",
      [2],
    );
    expect(produced).toMatchObject({ slot: 4, latestCheckpointIndex: 1 });
  });
});

describe("a client riding out faults", () => {
  it("sees transient failures while the CL is paused and failing, and recovers after", async () => {
    devnet.faults.pauseCl();
    setTimeout(() => devnet.faults.resumeCl(), 200);
    devnet.faults.failNext(1, "cl");
    const failures: string[] = [];
    let answer: number | null | undefined;
    for (let attempt = 0; attempt < 100 && answer === undefined; attempt++) {
      try {
        answer = await cl.getLatestCheckpointIndex();
      } catch (error) {
        expect(error).toBeInstanceOf(JsonRpcTransientError);
        failures.push(String((error as JsonRpcTransientError).httpStatus));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(answer).not.toBeUndefined();
    expect(failures[0]).toBe("503");
    expect(failures.at(-1)).toBe("500");
  });
});
