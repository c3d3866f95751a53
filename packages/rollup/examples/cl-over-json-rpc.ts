/**
 * A CL served over JSON-RPC with the shared protocol (`defineClMethod`), read by `ClClient`: the
 * same schemas on both sides, so what the server answers is exactly what the client accepts.
 * Shows a checkpoint submission accepted, then acknowledged as already proven, and a not-found.
 */
// Entry points load the Reflect polyfill before @paas/core, whose plugin registry uses tsyringe.
import "reflect-metadata";
import { createJsonRpcServer, isJsonRpcCallError } from "@paas/jsonrpc";
import {
  batchInfoForCheckpoint,
  buildGenesis,
  ClClient,
  clNotFound,
  defineClMethod,
  type RollupParams,
  sequencerPublicKey,
} from "../src/index.js";

const params: RollupParams = {
  chainId: 7,
  elChainSpecHash: new Uint8Array(32).fill(3),
  sequencerPublicKey: sequencerPublicKey(new Uint8Array(32).fill(2)),
  slotsPerEpoch: 8,
  genesis: {
    timestamp: 1_700_000_000,
    execBlock: { number: 0, hash: new Uint8Array(32).fill(1), stateRoot: new Uint8Array(32).fill(2) },
  },
};
const latestCheckpoint = 2;
const proven = new Set<number>();
const checkpoint = (index: number) => {
  if (index > latestCheckpoint) throw clNotFound(`checkpoint ${index}`);
  return batchInfoForCheckpoint(index, params);
};

const server = createJsonRpcServer({
  methods: {
    cl_getRollupParams: defineClMethod("cl_getRollupParams", () => params),
    cl_getLatestCheckpointIndex: defineClMethod("cl_getLatestCheckpointIndex", () => latestCheckpoint),
    cl_getCheckpointInfo: defineClMethod("cl_getCheckpointInfo", ([index]) => checkpoint(index)),
    cl_getChainstate: defineClMethod("cl_getChainstate", ([slot]) => {
      if (slot !== 0) throw clNotFound(`chainstate at slot ${slot}`);
      return buildGenesis(params).chainstate;
    }),
    cl_submitCheckpointProof: defineClMethod("cl_submitCheckpointProof", ([index]) => {
      checkpoint(index);
      const outcome = proven.has(index) ? "already-proven" : "accepted";
      proven.add(index);
      return { index, outcome };
    }),
  },
});
await server.listen();

const cl = new ClClient({ url: server.url, timeoutMs: 2_000 });
const remote = await cl.getRollupParams();
console.log(`chain ${remote.chainId}, ${remote.slotsPerEpoch} slots per epoch`);
const latest = await cl.getLatestCheckpointIndex();
console.log(`latest checkpoint ${latest}:`, await cl.getCheckpointInfo(latest ?? 0));
console.log("genesis chainstate tip:", (await cl.getChainstate(0)).tip.slot);
console.log("submit:", (await cl.submitCheckpointProof(1, Uint8Array.of(1, 2, 3))).outcome);
console.log("submit again:", (await cl.submitCheckpointProof(1, Uint8Array.of(1, 2, 3))).outcome);
try {
  await cl.getCheckpointInfo(9);
  throw new Error("a checkpoint that does not exist was found");
} catch (error) {
  if (!isJsonRpcCallError(error)) throw error;
  console.log(`not found (${error.constructor.name}, code ${error.rpcCode}): ${error.message}`);
}
await server.close();
