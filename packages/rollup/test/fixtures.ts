import {
  type BuiltBlock,
  buildGenesis,
  buildNextBlock,
  type Chainstate,
  type EvmBlockCommitment,
  type RollupParams,
  type SignedL2Block,
  sequencerPublicKey,
  signBlock,
} from "../src/index.js";

export const SEQUENCER_KEY = new Uint8Array(32).fill(7);
export const OTHER_KEY = new Uint8Array(32).fill(9);

export const PARAMS: RollupParams = {
  chainId: 1337,
  elChainSpecHash: new Uint8Array(32).fill(3),
  sequencerPublicKey: sequencerPublicKey(SEQUENCER_KEY),
  slotsPerEpoch: 4,
  genesis: {
    timestamp: 1_700_000_000,
    execBlock: { number: 0, hash: new Uint8Array(32).fill(1), stateRoot: new Uint8Array(32).fill(2) },
  },
};

/**
 * Params naming another sequencer key (OTHER_KEY's), otherwise PARAMS: what someone who re-signs
 * the real chain's blocks with their own key would pass to a CL STF prover.
 */
export const OTHER_PARAMS: RollupParams = { ...PARAMS, sequencerPublicKey: sequencerPublicKey(OTHER_KEY) };

/**
 * The same blocks signed by another key. Block ids hash headers, not signatures, so the re-signed
 * blocks have the real blocks' ids and produce the real chainstates: under `OTHER_PARAMS` they
 * pass every block check.
 */
export function resign(
  blocks: readonly SignedL2Block[],
  secretKey = OTHER_KEY,
  params: RollupParams = OTHER_PARAMS,
): SignedL2Block[] {
  return blocks.map((block) => ({ ...block, signature: signBlock(block.header, secretKey, params) }));
}

/** A made-up EL block `number` extending `parentHash`; hashes derived from the number so they are stable. */
export function execBlock(number: number, parentHash: Uint8Array): EvmBlockCommitment {
  return {
    number,
    hash: new Uint8Array(32).fill(number % 256).map((b, i) => (i === 0 ? 0xee : b)),
    parentHash,
    stateRoot: new Uint8Array(32).fill((number * 7) % 256).map((b, i) => (i === 0 ? 0x5e : b)),
  };
}

export interface TestChain {
  readonly genesis: Chainstate;
  readonly built: BuiltBlock[];
  readonly execBlocks: EvmBlockCommitment[];
  /** chainstates[s] is the chainstate after slot s (chainstates[0] is genesis). */
  readonly chainstates: Chainstate[];
}

/** A chain of `length` blocks after genesis, built by the sequencer rules. */
export function buildChain(length: number, params: RollupParams = PARAMS): TestChain {
  const genesis = buildGenesis(params).chainstate;
  const built: BuiltBlock[] = [];
  const execBlocks: EvmBlockCommitment[] = [];
  const chainstates = [genesis];
  let state = genesis;
  let parentHash = params.genesis.execBlock.hash;
  for (let slot = 1; slot <= length; slot++) {
    const exec = execBlock(params.genesis.execBlock.number + slot, parentHash);
    const block = buildNextBlock(state, exec, params, {
      timestamp: params.genesis.timestamp + slot * 2,
      secretKey: SEQUENCER_KEY,
    });
    built.push(block);
    execBlocks.push(exec);
    chainstates.push(block.chainstate);
    state = block.chainstate;
    parentHash = exec.hash;
  }
  return { genesis, built, execBlocks, chainstates };
}
