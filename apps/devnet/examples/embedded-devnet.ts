/**
 * A devnet embedded in-process (as the prover client runs it): start it, produce two epochs, read
 * the CL with `ClClient` and the EL with `ElClient`, re-execute an EL block statelessly from the
 * served witness, and close.
 */
import { blockFromRlp, createDevnetCommon, executeBlocksStatelessly, type Hex } from "@paas/evm";
import { ClClient, ElClient, fromHex, shortHex, toHex } from "@paas/rollup";
import { startDevnet } from "../src/index.js";

const devnet = await startDevnet({
  seed: "example",
  slotsPerEpoch: 3,
  blockTimeMs: 0, // no timer: this example produces blocks itself
  trustedProverKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: `0x${"ab".repeat(32)}`,
});
try {
  await devnet.chain.produceEpochs(2);
  console.log(`devnet at ${devnet.url}`);

  const cl = new ClClient({ url: devnet.url, timeoutMs: 5_000 });
  const params = await cl.getRollupParams();
  const latest = await cl.getLatestCheckpointIndex();
  console.log(
    `chain ${params.chainId}, ${params.slotsPerEpoch} slots per epoch, latest checkpoint ${latest}`,
  );
  const info = await cl.getCheckpointInfo(1);
  const blocks = await cl.getBlocksInRange(info.l2Range.start, info.l2Range.end);
  console.log(`checkpoint 1 covers slots ${info.l2Range.start}..${info.l2Range.end}:`);
  for (const block of blocks) {
    const { elBlockNumber, elBlockHash } = block.body.execSegment;
    console.log(`  slot ${block.header.slot} carries EL block ${elBlockNumber} ${shortHex(elBlockHash)}`);
  }

  const el = new ElClient({ url: devnet.url, timeoutMs: 5_000 });
  const number = blocks[0]!.body.execSegment.elBlockNumber;
  const raw = await el.getRawBlock(number);
  const witness = await el.getExecutionWitness(number);
  const hex = (items: Uint8Array[]) => items.map((item) => toHex(item) as Hex);
  const common = createDevnetCommon(params.chainId);
  const [commitment] = await executeBlocksStatelessly({
    common,
    blocks: [raw],
    witnesses: [
      {
        state: hex(witness.state),
        codes: hex(witness.codes),
        keys: hex(witness.keys),
        headers: hex(witness.headers),
      },
    ],
  });
  const txs = blockFromRlp(raw, common).transactions.length;
  console.log(
    `EL block ${number} (${txs} txs) re-executed from a served witness of ${witness.state.length} nodes: state root ${shortHex(fromHex(commitment!.stateRoot))}`,
  );
} finally {
  await devnet.close();
}
