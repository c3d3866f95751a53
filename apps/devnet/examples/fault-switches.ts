/**
 * The fault switches: a paused CL answers 503 while the EL keeps serving, a forced failure answers
 * 500, a delay outlasts a short client deadline — each a transient failure for the client — and
 * everything recovers once switched off (here through the `devnet_*` admin methods).
 */
import { isJsonRpcCallError, JsonRpcClient } from "@paas/jsonrpc";
import { ClClient, ElClient } from "@paas/rollup";
import { startDevnet } from "../src/index.js";

const devnet = await startDevnet({
  seed: "example",
  slotsPerEpoch: 2,
  trustedProverKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: `0x${"ab".repeat(32)}`,
});
const cl = new ClClient({ url: devnet.url, timeoutMs: 2_000 });
const el = new ElClient({ url: devnet.url, timeoutMs: 2_000 });
const admin = new JsonRpcClient({ url: devnet.url });

async function attempt(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    console.log(`${what}: ${JSON.stringify(await call())}`);
  } catch (error) {
    if (!isJsonRpcCallError(error)) throw error;
    console.log(
      `${what}: ${error.constructor.name} (${error.failure}${error.httpStatus ? ` ${error.httpStatus}` : ""})`,
    );
  }
}

try {
  await devnet.chain.produceEpochs(1);
  devnet.faults.pauseCl();
  await attempt("CL while paused", () => cl.getLatestCheckpointIndex());
  await attempt("EL while the CL is paused", () => el.blockNumber());
  devnet.faults.resumeCl();
  await attempt("CL resumed", () => cl.getLatestCheckpointIndex());

  await admin.call("devnet_failNext", [1, "cl"]);
  await attempt("CL, failing once", () => cl.getLatestCheckpointIndex());
  await attempt("CL again", () => cl.getLatestCheckpointIndex());

  await admin.call("devnet_setDelay", [300]);
  await attempt("EL with a 100 ms deadline, answers delayed 300 ms", () =>
    el.blockNumber({ timeoutMs: 100 }),
  );
  await admin.call("devnet_clearFaults");
  await attempt("EL after clearing", () => el.blockNumber({ timeoutMs: 100 }));
} finally {
  await devnet.close();
}
