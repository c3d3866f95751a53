/**
 * The fault switches: a paused CL answers 503 while the EL keeps serving, a forced failure answers
 * 500, a delay outlasts a short client deadline — each a transient failure for the client — and
 * everything recovers once switched off (here through the `devnet_*` admin methods, which take
 * the devnet's admin token: a devnet in another process writes it to `<data-dir>/rpc-token`).
 */
import assert from "node:assert/strict";
import { isJsonRpcCallError, JsonRpcClient } from "@paas/jsonrpc";
import { ClClient, ElClient } from "@paas/rollup";
import { startDevnet } from "../src/index.js";

const devnet = await startDevnet({
  seed: "example",
  slotsPerEpoch: 2,
  trustedProverKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: `0x${"ab".repeat(32)}`,
});
// One attempt per call: the clients retry transient failures by default, which would hide a
// single forced failure (the retry succeeds) and wait out a pause in Retry-After backoffs.
const once = { attempts: 1 };
const cl = new ClClient({ url: devnet.url, timeoutMs: 2_000, retry: once });
const el = new ElClient({ url: devnet.url, timeoutMs: 2_000, retry: once });
const admin = new JsonRpcClient({ url: devnet.url, bearerToken: devnet.adminToken });

/** Prints what the client saw (the result, or the failure's class and kind) and checks it is `expected`. */
async function attempt(what: string, call: () => Promise<unknown>, expected: string): Promise<void> {
  let seen: string;
  try {
    seen = JSON.stringify(await call());
  } catch (error) {
    if (!isJsonRpcCallError(error)) throw error;
    seen = `${error.constructor.name} (${error.failure}${error.httpStatus ? ` ${error.httpStatus}` : ""})`;
  }
  console.log(`${what}: ${seen}`);
  assert.equal(seen, expected, what);
}

try {
  await devnet.chain.produceEpochs(1);
  devnet.faults.pauseCl();
  await attempt(
    "CL while paused",
    () => cl.getLatestCheckpointIndex(),
    "JsonRpcTransientError (http-status 503)",
  );
  await attempt("EL while the CL is paused", () => el.blockNumber(), "2");
  devnet.faults.resumeCl();
  await attempt("CL resumed", () => cl.getLatestCheckpointIndex(), "0");

  await admin.call("devnet_failNext", [1, "cl"]);
  await attempt(
    "CL, failing once",
    () => cl.getLatestCheckpointIndex(),
    "JsonRpcTransientError (http-status 500)",
  );
  await attempt("CL again", () => cl.getLatestCheckpointIndex(), "0");

  await admin.call("devnet_setDelay", [300]);
  await attempt(
    "EL with a 100 ms deadline, answers delayed 300 ms",
    () => el.blockNumber({ timeoutMs: 100 }),
    "JsonRpcTransientError (timeout)",
  );
  await admin.call("devnet_clearFaults");
  await attempt("EL after clearing", () => el.blockNumber({ timeoutMs: 100 }), "2");
} finally {
  await devnet.close();
}
