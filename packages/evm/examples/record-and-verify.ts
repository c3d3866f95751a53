/**
 * Build a small Prague chain with full state, record each block's execution witness, then
 * re-execute the blocks from the witnesses alone and get their commitments. Finally, show that a
 * witness missing one trie node is refused with an error naming that node.
 */
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import {
  blockFromRpc,
  blockToRpc,
  closeSyncExecutor,
  createDevnetCommon,
  devnetChainSpec,
  ExecutionChain,
  executeBlocksStatelessly,
  executeBlocksStatelesslySync,
  MissingWitnessNodeError,
  parseExecutionWitness,
  systemContractsAlloc,
} from "../src/index.js";

const common = createDevnetCommon(1337);
const key = hexToBytes(`0x${"a1".repeat(32)}`);
const sender = createAddressFromPrivateKey(key);

// A genesis with the Prague system contracts and one funded account.
const chain = await ExecutionChain.create({
  common,
  alloc: { ...systemContractsAlloc(), [sender.toString()]: { balance: 10n ** 21n } },
});

// Three blocks of transfers to new accounts.
let nonce = 0n;
for (let block = 0; block < 3; block++) {
  const transfers = Array.from({ length: 4 }, (_, i) =>
    createFeeMarket1559Tx(
      {
        nonce: nonce++,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
        gasLimit: 21_000n,
        to: `0x${(0xbeef00 + block * 16 + i).toString(16).padStart(40, "0")}`,
        value: 10n ** 15n,
      },
      { common },
    ).sign(key),
  );
  const built = await chain.buildBlock(transfers);
  console.log(
    `built block ${built.block.header.number} ${built.hash}: witness of ${built.witness.state.length} nodes`,
  );
}

// What a prover fetches: each block as eth_getBlockByNumber returns it, and its witness as JSON.
const fetched = await Promise.all(
  [1, 2, 3].map(async (number) => {
    const served = chain.getBlockByNumber(number)!;
    return {
      block: await blockFromRpc(JSON.parse(JSON.stringify(blockToRpc(served.block))), common),
      witness: parseExecutionWitness(JSON.parse(JSON.stringify(served.witness)), {
        label: `block ${number}`,
      }),
    };
  }),
);

const commitments = await executeBlocksStatelessly({
  common,
  blocks: fetched.map((f) => f.block),
  witnesses: fetched.map((f) => f.witness),
});
for (const c of commitments) console.log(`proven block ${c.number}: state root ${c.stateRoot}`);

// The same, for a caller that cannot await (a synchronous guest).
const sync = executeBlocksStatelesslySync({
  chainSpec: devnetChainSpec(1337),
  blocks: fetched.map((f) => chain.getBlockByNumber(f.block.header.number)!.rlp),
  witnesses: fetched.map((f) => f.witness),
});
console.log(`synchronous run agrees: ${JSON.stringify(sync.commitments) === JSON.stringify(commitments)}`);
console.log(`under the chain spec with hash ${sync.chainSpecHash}`);
await closeSyncExecutor();

// A witness with one node fewer is refused, naming the node.
const last = fetched[2]!;
try {
  await executeBlocksStatelessly({
    common,
    blocks: [last.block],
    witnesses: [{ ...last.witness, state: last.witness.state.slice(1) }],
  });
  throw new Error("a witness missing a node was accepted");
} catch (error) {
  if (!(error instanceof MissingWitnessNodeError)) throw error;
  console.log(`refused: ${error.message} (${error.code})`);
}
