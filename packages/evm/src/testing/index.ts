/**
 * `@paas/evm/testing`: what tests and benchmarks of this package and of its users share — the mixed
 * chain (five blocks covering what a prover must handle) and its pieces, block tampering, the
 * standard benchmark workloads with their full-state baseline, and the Ethereum Foundation
 * fixtures' folder. Not for production code.
 */
export {
  BENCH_CHAIN_ID,
  type BenchBlock,
  buildBenchBlocks,
  defaultFullStateRun,
  witnessSummary,
} from "./bench.js";
export { withHeader, withTransactions } from "./blocks.js";
export { deployCode, STORE_AND_LOG, STORE_BLOCKHASH, word } from "./contracts.js";
export {
  ETHEREUM_INVALID_TESTS_ENV,
  ETHEREUM_TESTS_ENV,
  ethereumInvalidTestsDir,
  ethereumTestsDir,
} from "./ethereum-tests.js";
export {
  buildForkChain,
  FORK_CHAIN_GENESIS_TIME,
  FORK_CHAIN_PRAGUE_TIME,
  type ForkChain,
  forkChainSpec,
} from "./fork-chain.js";
export {
  ALICE_KEY,
  BOB_KEY,
  buildMixedChain,
  MIXED_CHAIN_ID,
  type MixedChain,
  mixedGenesisAlloc,
  Sender,
} from "./mixed-chain.js";
