import { LOGGER } from "@paas/core";
/**
 * The checkpoint plugin keeping up with a CL on its own: a small chain served by a stub CL, the CL
 * STF proofs stood in for (real `ClStfOutput` bytes of that chain), the runner proving and
 * publishing every checkpoint as epochs close, one publication retried through a CL outage, and the
 * plugin's report at the end.
 *
 *   npx tsx --conditions=@paas/source plugins/checkpoint/examples/follow-the-cl.ts
 */
import { CHECKPOINT, ClClient, shortHex } from "@paas/rollup";
import { createPluginHarness, until } from "@paas/testing";
import { CheckpointPlugin, decodeBatchTransition } from "../src/index.js";
import { clStfStandIn, memoryLogger, TestCl } from "../src/testing.js";

const started = performance.now();
const cl = await TestCl.start({ slotsPerEpoch: 4, epochs: 2 });
const harness = await createPluginHarness({
  plugins: [CheckpointPlugin],
  standIns: [clStfStandIn(cl)],
  overrides: [
    { token: ClClient, useValue: cl.client() },
    { token: LOGGER, useValue: memoryLogger() },
  ],
  // Poll every 50 ms; prove each epoch of 4 slots with two CL STF proofs of 2 slots.
  pluginSettings: { checkpoint: { interval_ms: 50, cl_stf_max_slots: 2 } },
  workers: 1,
});
cl.trustedKey = harness.publicKey; // the CL trusts this prover's key
try {
  const allProven = () => cl.latest !== null && cl.nextUnproven === null;
  await until(allProven, "checkpoints 0 and 1");
  console.log(`epochs 0..1 closed: CL answers ${JSON.stringify(cl.submissions)}`);

  // The CL refuses the next two submissions; the publication is retried, the proof is not redone.
  cl.stub.failNext({ mode: "http500" }, { method: "cl_submitCheckpointProof", times: 2 });
  cl.grow(1);
  await until(allProven, "checkpoint 2");
  const context = { kind: CHECKPOINT.kind, index: 2 };
  console.log(`checkpoint 2 went ${harness.statusesOf(context).join(" -> ")}`);

  for (let index = 0; index <= 2; index++) {
    const receipt = await harness.service.proof({
      context: { kind: CHECKPOINT.kind, index },
      backend: "native",
    });
    const t = decodeBatchTransition(receipt.publicValues);
    console.log(
      `checkpoint ${t.index} (epoch ${t.epoch}): ${shortHex(t.preStateRoot)} -> ${shortHex(t.postStateRoot)} under params ${shortHex(t.paramsRoot)}`,
    );
  }
  // The completion wakes the runner, whose next poll sees every checkpoint proven.
  const report = async () => (await harness.service.pluginReports()).checkpoint;
  await until(async () => (await report())?.nextUnproven === null, "the runner's next poll");
  console.log(`report: ${JSON.stringify(await report())}`);
  console.log(`done in ${Math.round(performance.now() - started)} ms`);
  if (cl.answered("accepted").length !== 3) process.exitCode = 1;
} finally {
  await harness.close();
  await cl.close();
}
