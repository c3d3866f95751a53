/**
 * Proves epoch 1 of a small chain with the CL STF plugin, then shows a block signed by another key
 * being rejected. The chain is built with the rollup's sequencer rules and served over JSON-RPC by a
 * stub CL/EL node; the EVM EE STF proof it depends on comes from a stand-in (see @paas/testing).
 *
 *   npx tsx --conditions=@paas/source examples/prove-epoch.ts
 */
import { type ClStfOutput, chainstateRoot, rollupParamsRoot, toHex } from "@paas/rollup";
import { PROVE_CL_BLOCKS, type ProveClBlocksResult } from "../src/index.js";
import { blockAt, buildTestChain, contextFor, OTHER_KEY, reseal, withBlock } from "../src/testing.js";
import { setUpClStf } from "../test/fixtures/harness.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });
const setup = await setUpClStf({ chain, pluginSettings: { slots_per_epoch: 8 } });
try {
  const { harness, node } = setup;

  // What an operator does over JSON-RPC: paas_proveClBlocks(9, 16) submits both tasks.
  const method = harness.service.rpcMethods().get(PROVE_CL_BLOCKS)!;
  const submitted = (await method.handler([9, 16])) as ProveClBlocksResult;
  console.log(`submitted ${submitted.task.kind} ${submitted.id}, depending on:`);
  for (const { id, task } of submitted.dependencies) {
    console.log(`  ${task.kind} ${id} ${JSON.stringify(task.taskId.context)}`);
  }

  const started = performance.now();
  const { record, output } = await harness.prove<ClStfOutput>(contextFor(chain, 9, 16));
  if (record.status !== "completed" || output === undefined) throw new Error(`not proven: ${record.status}`);
  console.log(
    `proven in ${Math.round(performance.now() - started)} ms: epoch ${output.epoch}, slots ${output.start}..${output.end}`,
  );
  console.log(`  initial chainstate root ${toHex(output.initialChainstateRoot)}`);
  console.log(`  final chainstate root   ${toHex(output.finalChainstateRoot)}`);
  console.log(`  rollup params root      ${toHex(output.paramsRoot)}`);
  if (toHex(output.finalChainstateRoot) !== toHex(chainstateRoot(chain.chainstates[16]!))) {
    throw new Error("the final chainstate root is not the chain's");
  }
  if (toHex(output.paramsRoot) !== toHex(rollupParamsRoot(chain.params))) {
    throw new Error("the params root is not the chain's");
  }

  // A CL serving a block signed by another key: the guest rejects it, permanently. (Another range:
  // a block's id hashes its header, not its signature, so 9..16 would name the task proven above.)
  const tampered = withBlock(chain, 11, reseal(chain, blockAt(chain, 11), { secretKey: OTHER_KEY }));
  node.serve(tampered);
  const rejected = await harness.prove(contextFor(tampered, 9, 12));
  if (rejected.record.status !== "permanent_failure") throw new Error("the tampered block was accepted");
  console.log(`tampered range: ${rejected.record.status}: ${rejected.record.error}`);
} finally {
  await setup.close();
}
