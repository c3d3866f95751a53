import { DevChain, type DevChainConfig } from "../dev-chain.js";

export interface TestChainOptions extends DevChainConfig {
  /** Epochs to produce before returning. Default 3. */
  readonly epochs?: number;
  /** Extra slots after the epochs (an epoch left open). Default 0. */
  readonly extraBlocks?: number;
}

/**
 * A real chain for tests in other packages: a `DevChain` with `epochs` epochs produced (default 3,
 * of `slotsPerEpoch` slots, default 4), so checkpoints `0..epochs-1` exist, with their L2 blocks,
 * EL blocks and witnesses. Deterministic: the same options give the same chain.
 */
export async function createDevChain(options: TestChainOptions = {}): Promise<DevChain> {
  const { epochs = 3, extraBlocks = 0, ...config } = options;
  const chain = await DevChain.create(config);
  await chain.produceEpochs(epochs);
  await chain.produceBlocks(extraBlocks);
  return chain;
}
