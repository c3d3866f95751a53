import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, equalsBytes, KECCAK256_RLP } from "@ethereumjs/util";
import { createVM } from "@ethereumjs/vm";
import { type BlockInput, decodeBlock } from "../blocks/rlp.js";
import { AncestorChain } from "../chain/ancestors.js";
import { HeaderIndex } from "../chain/header-index.js";
import { commonForBlock } from "../chain-spec/block-rules.js";
import { chainSpecOf } from "../common.js";
import { EvmError, MissingWitnessNodeError } from "../errors.js";
import { executeBlock } from "../execution/execute-block.js";
import type { Hex } from "../hex.js";
import { fastPrecompiles } from "../precompiles/blake2f.js";
import { nodeKey } from "../state/layout.js";
import { createStateManager } from "../state/state-manager.js";
import { WitnessDB } from "../state/witness-db.js";
import { parseExecutionWitness } from "../witness/parse.js";
import type { ExecutionWitness } from "../witness/types.js";
import { requireHeaderMatches } from "./compare.js";
import { addWitnessHeaders, witnessEntries } from "./load-witness.js";

/** What a proven block commits to. */
export interface BlockCommitment {
  readonly number: number;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly stateRoot: Hex;
}

export interface StatelessInput {
  /** The chain's rules, made by `createCommon` from its chain spec (or `createDevnetCommon`, `createFixtureCommon`). */
  readonly common: Common;
  /** Consecutive blocks, oldest first. */
  readonly blocks: readonly BlockInput[];
  /** One witness per block, same order. */
  readonly witnesses: readonly ExecutionWitness[];
  /** Told of each block as soon as it is proven (the synchronous form reports progress with it). */
  readonly onBlock?: (commitment: BlockCommitment) => void;
}

/**
 * Executes a range of blocks from their witnesses alone and returns their commitments. For each
 * block: the parent header is the previous block of the range, or for the first block the witness
 * header that hashes to its `parentHash`; the pre-state is the witness's trie rooted at that
 * parent's state root; BLOCKHASH reads only ancestors reachable from the parent by hash (among the
 * witnesses' headers and the range's earlier blocks); the header is validated against the parent;
 * and the computed gas used, receipts root, logs bloom, requests hash and state root must equal the
 * header's. Any node or code the block needs and the witness lacks fails the block with an error
 * naming it. Pure: no I/O, no shared state.
 */
export async function executeBlocksStatelessly(input: StatelessInput): Promise<BlockCommitment[]> {
  const { common, blocks, witnesses } = input;
  if (blocks.length === 0) throw new EvmError("INVALID_INPUT", "no blocks to execute");
  if (witnesses.length !== blocks.length) {
    throw new EvmError("INVALID_INPUT", `${blocks.length} blocks but ${witnesses.length} witnesses`);
  }
  // Headers of every witness and every executed block of the range, each under its own hash:
  // ancestors are only ever reached by hash from a verified parent, so sharing them is sound.
  const headers = new HeaderIndex();
  const commitments: BlockCommitment[] = [];
  let previous: Block | undefined;
  for (const [position, blockInput] of blocks.entries()) {
    const block = decodeBlock(blockInput, common, `block #${position} of the range`);
    const witness = parseExecutionWitness(witnesses[position], { label: `block ${block.header.number}` });
    if (previous !== undefined) requireChild(block, previous);
    addWitnessHeaders(headers, witness, common, block.header.number);
    await executeOne(common, block, witness, headers, previous);
    headers.add(block.header);
    const commitment = commitmentOf(block);
    commitments.push(commitment);
    input.onBlock?.(commitment);
    previous = block;
  }
  return commitments;
}

async function executeOne(
  common: Common,
  block: Block,
  witness: ExecutionWitness,
  index: HeaderIndex,
  previous: Block | undefined,
) {
  const blockNumber = block.header.number;
  const parent = previous?.header ?? index.get(block.header.parentHash);
  if (parent === undefined) {
    throw new EvmError(
      "PARENT_MISMATCH",
      `block ${blockNumber}: parent check failed: no witness header hashes to the parent hash ${bytesToHex(block.header.parentHash)}`,
      { blockNumber },
    );
  }
  const entries = witnessEntries(witness);
  if (!equalsBytes(parent.stateRoot, KECCAK256_RLP) && !entries.has(nodeKey(parent.stateRoot))) {
    throw new MissingWitnessNodeError(bytesToHex(parent.stateRoot), blockNumber);
  }
  const db = new WitnessDB(entries, blockNumber);
  const vm = await createVM({
    // A copy at the block's fork: the EVM subscribes to its Common's events and never unsubscribes (see ExecutionChain).
    common: commonForBlock(common, block.header.number, block.header.timestamp),
    stateManager: createStateManager(db, common, parent.stateRoot),
    blockchain: new AncestorChain(index, parent),
    evmOpts: fastPrecompiles(),
  });
  const executed = await executeBlock(vm, block, parent).catch((error: unknown) => {
    throw db.firstMiss ?? error;
  });
  if (db.firstMiss !== undefined) throw db.firstMiss;
  requireHeaderMatches(block.header, executed, chainSpecOf(common).depositContractAddress);
}

function requireChild(block: Block, previous: Block): void {
  if (!equalsBytes(block.header.parentHash, previous.hash())) {
    const blockNumber = block.header.number;
    throw new EvmError(
      "PARENT_MISMATCH",
      `block ${blockNumber}: parent check failed: parent hash ${bytesToHex(block.header.parentHash)} is not the hash ${bytesToHex(previous.hash())} of block ${previous.header.number}`,
      { blockNumber },
    );
  }
}

function commitmentOf(block: Block): BlockCommitment {
  return {
    number: Number(block.header.number),
    hash: bytesToHex(block.hash()),
    parentHash: bytesToHex(block.header.parentHash),
    stateRoot: bytesToHex(block.header.stateRoot),
  };
}
