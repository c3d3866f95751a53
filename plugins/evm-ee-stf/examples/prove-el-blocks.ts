/**
 * Prove three EL blocks the way the prover client does: a chain built in-process and served over
 * JSON-RPC like an EL node (eth_getBlockByNumber, debug_getRawBlock, debug_executionWitness), the
 * plugin composed into a prover service with a native host, `paas_proveElBlocks(1, 3)`, then the
 * receipt verified and its output read.
 *
 *   npx tsx --conditions=@paas/source plugins/evm-ee-stf/examples/prove-el-blocks.ts
 */
import { randomBytes } from "node:crypto";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { ProverServiceBuilder } from "@paas/core";
import { createDevnetCommon, ExecutionChain, systemContractsAlloc } from "@paas/evm";
import { ElClient, EVM_EE_STF, toHex } from "@paas/rollup";
import { createStubRpc } from "@paas/testing";
import { NativeHost, verifyReceipt } from "@paas/zkvm";
import { container } from "tsyringe";
import { EvmEeStfPlugin, evmEeStfProgram } from "../src/index.js";
import { elRpcHandlers } from "../src/testing.js";

// A devnet chain (Prague rules, chain id 1337) with three blocks of transfers.
const common = createDevnetCommon(1337);
const key = hexToBytes(`0x${"42".repeat(32)}`);
const chain = await ExecutionChain.create({
  common,
  alloc: {
    ...systemContractsAlloc(),
    [createAddressFromPrivateKey(key).toString()]: { balance: 10n ** 21n },
  },
});
let nonce = 0n;
for (let block = 0; block < 3; block++) {
  const transfers = Array.from({ length: 5 }, (_, i) =>
    createFeeMarket1559Tx(
      {
        nonce: nonce++,
        to: `0x${(0xbeef00 + block * 10 + i).toString(16).padStart(40, "0")}`,
        value: 1000n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
      },
      { common },
    ).sign(key),
  );
  await chain.buildBlock(transfers);
}

// The chain behind a JSON-RPC endpoint, as an EL node would serve it.
const node = await createStubRpc(elRpcHandlers(chain));
const host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
const scope = container.createChildContainer();
scope.registerInstance(ElClient, new ElClient({ url: node.url, timeoutMs: 5_000 }));
const service = await new ProverServiceBuilder({ database: { path: ":memory:" }, container: scope })
  .host(host)
  .register(EvmEeStfPlugin)
  .launch();
try {
  const prove = service.rpcMethods().get("paas_proveElBlocks")!;
  const { id } = (await prove.handler([1, 3])) as { id: string };
  const record = await service.wait(id, { timeoutMs: 60_000 });
  console.log(`task ${id}: ${record.status}${"error" in record ? ` (${record.error})` : ""}`);
  if (record.status !== "completed") throw new Error("the proof did not complete");

  const receipt = await service.proof(id);
  verifyReceipt(receipt, {
    ...EVM_EE_STF.program,
    programId: evmEeStfProgram.programId,
    publicKey: host.publicKey,
  });
  const output = evmEeStfProgram.readOutput(receipt.publicValues);
  console.log(`executed under the rules of chain ${output.chainId}`);
  for (const block of output.blocks) {
    console.log(`block ${block.number}: ${toHex(block.hash)} state ${toHex(block.stateRoot)}`);
  }
  console.log(`public values: ${receipt.publicValues.length} bytes (SSZ of EvmEeStfOutput), report:`);
  console.log(JSON.stringify((await service.pluginReports())[EVM_EE_STF.kind]));
} finally {
  await service.close();
  await host.close();
  await node.close();
}
