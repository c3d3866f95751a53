/**
 * What one Ethereum Foundation blockchain test asks of the program, worked out on a full-state
 * chain: the proofs to attempt, each with its witnesses. Runs in a witness worker (see
 * `witness-pool.ts`), off the thread that reports results.
 *
 * - Valid blocks (no `expectException`) are imported into an `ExecutionChain` started from the
 *   test's `pre` state, which records each one's witness. A block whose parent is not the chain's
 *   head (a side chain) is imported on a chain rebuilt along its ancestors. The blocks leading to
 *   `lastblockhash` form one range to prove; valid blocks off that path form ranges of their own.
 * - Each invalid block (`expectException`) is one proof to attempt, with the full pre-state of its
 *   parent as the witness (every node and code, the last 256 headers): rich enough to prove it
 *   were it valid, so a refusal is the program's judgement of the block, not a lack of witness. An
 *   invalid block whose parent the test never accepted gets the head's state.
 */

import { toHex } from "@paas/core/contracts";
import {
  type BlockchainTestFixture,
  type ChainSpec,
  createFixtureChain,
  type ExecutionChain,
  type ExecutionWitness,
  fixtureChainSpec,
  type Hex,
  inspectBlockRlp,
  isEvmError,
} from "@paas/evm";
import { type EvmEeStfInput, inputFromHex } from "../input.js";

/**
 * Which witness each valid block gets: the one the chain `recorded` while importing it (what
 * `debug_executionWitness` serves: only what the block reads), or the `full` pre-state.
 */
export type WitnessKind = "recorded" | "full";

/** A proof to attempt and what its outcome must be. */
export type ProofJob =
  | {
      readonly kind: "valid";
      /** e.g. "blocks #0..#3". */
      readonly label: string;
      readonly input: EvmEeStfInput;
      /** Per block of the range, the state root the test says it reaches (when it says). */
      readonly stateRoots: readonly (Hex | undefined)[];
      /** The test's `lastblockhash`, for the range that ends there. */
      readonly lastHash?: Hex;
    }
  | {
      readonly kind: "invalid";
      /** e.g. "block #4 (TransactionException.NONCE_MISMATCH_TOO_LOW)". */
      readonly label: string;
      readonly input: EvmEeStfInput;
    };

export type ConformancePlan =
  | { readonly supported: true; readonly network: string; readonly jobs: readonly ProofJob[] }
  | { readonly supported: false; readonly network: string; readonly reason: string };

interface ValidBlock {
  readonly index: number;
  readonly rlp: Hex;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly witness: ExecutionWitness;
}

/** The proofs one test asks for. Throws when the full-state chain refuses a block the test calls valid. */
export async function planConformanceCase(
  fixture: BlockchainTestFixture,
  witnessKind: WitnessKind = "recorded",
): Promise<ConformancePlan> {
  const { network } = fixture;
  let chainSpec: ChainSpec;
  try {
    chainSpec = fixtureChainSpec(network);
  } catch (error) {
    if (isEvmError(error) && error.code === "UNSUPPORTED_RULES") {
      return { supported: false, network, reason: error.message };
    }
    throw error;
  }
  const genesisHash = toHex(inspectBlockRlp(Buffer.from(fixture.genesisRLP.slice(2), "hex")).hash);
  const chains = new ChainCursor(fixture);
  const valid = new Map<Hex, ValidBlock>();
  const jobs: ProofJob[] = [];
  for (const [index, block] of fixture.blocks.entries()) {
    const parentHash = parentOf(block.rlp);
    if (block.expectException !== undefined) {
      const known = parentHash !== undefined && (parentHash === genesisHash || valid.has(parentHash));
      const chain = await chains.at(known ? parentHash : (chains.headHash ?? genesisHash), valid);
      jobs.push({
        kind: "invalid",
        label: `block #${index} (${block.expectException})`,
        input: inputFromHex(chainSpec, [{ rlp: block.rlp, witness: chain.fullWitness() }]),
      });
      continue;
    }
    if (parentHash === undefined || (parentHash !== genesisHash && !valid.has(parentHash))) {
      throw new Error(
        `block #${index} is valid by the test, but its parent is not a block the test accepted`,
      );
    }
    const chain = await chains.at(parentHash, valid);
    const full = witnessKind === "full" ? chain.fullWitness() : undefined;
    let imported: Awaited<ReturnType<ExecutionChain["importBlock"]>>;
    try {
      imported = await chain.importBlock(block.rlp);
    } catch (error) {
      const why = isEvmError(error) ? `${error.code}: ${error.message}` : String(error);
      throw new Error(
        `building the witnesses: the full-state chain refused block #${index}, valid by the test: ${why}`,
      );
    }
    valid.set(imported.hash, {
      index,
      rlp: block.rlp,
      hash: imported.hash,
      parentHash,
      witness: full ?? imported.witness,
    });
  }
  for (const range of validRanges(valid, fixture.lastblockhash.toLowerCase() as Hex)) {
    const last = range[range.length - 1]!;
    jobs.unshift({
      kind: "valid",
      label: rangeLabel(range.map((block) => block.index)),
      input: inputFromHex(
        chainSpec,
        range.map(({ rlp, witness }) => ({ rlp, witness })),
      ),
      stateRoots: range.map(
        ({ index }) => fixture.blocks[index]?.blockHeader?.stateRoot?.toLowerCase() as Hex | undefined,
      ),
      ...(last.hash === fixture.lastblockhash.toLowerCase() && { lastHash: last.hash }),
    });
  }
  return { supported: true, network, jobs };
}

/** "block #3", "blocks #0..#4", or "blocks #0, #1, #2, #5" (indexes in the test). */
function rangeLabel(indexes: readonly number[]): string {
  const first = indexes[0]!;
  const last = indexes[indexes.length - 1]!;
  if (indexes.length === 1) return `block #${first}`;
  if (last - first + 1 === indexes.length) return `blocks #${first}..#${last}`;
  return `blocks ${indexes.map((index) => `#${index}`).join(", ")}`;
}

/** The parent hash a block's RLP names, or undefined when its RLP does not decode. */
function parentOf(rlp: Hex): Hex | undefined {
  try {
    return toHex(inspectBlockRlp(Buffer.from(rlp.slice(2), "hex")).parentHash);
  } catch {
    return undefined;
  }
}

/**
 * The valid blocks as ranges to prove: the path that ends at `lastHash` first, then each run of
 * blocks off it, in test order (a side chain extends the range whose last block is its parent).
 */
function validRanges(valid: ReadonlyMap<Hex, ValidBlock>, lastHash: Hex): ValidBlock[][] {
  const canonical: ValidBlock[] = [];
  for (let block = valid.get(lastHash); block !== undefined; block = valid.get(block.parentHash)) {
    canonical.unshift(block);
  }
  const onPath = new Set(canonical.map((block) => block.hash));
  const ranges: ValidBlock[][] = canonical.length > 0 ? [canonical] : [];
  for (const block of [...valid.values()].sort((a, b) => a.index - b.index)) {
    if (onPath.has(block.hash)) continue;
    const extended = ranges.find(
      (range) => range[range.length - 1]!.hash === block.parentHash && range !== canonical,
    );
    if (extended !== undefined) extended.push(block);
    else ranges.push([block]);
  }
  return ranges.reverse();
}

/** The full-state chain at a given valid block, rebuilt along its ancestors when it is not the head. */
class ChainCursor {
  private chain: ExecutionChain | undefined;

  constructor(private readonly fixture: BlockchainTestFixture) {}

  get headHash(): Hex | undefined {
    return this.chain?.head.hash;
  }

  async at(hash: Hex, valid: ReadonlyMap<Hex, ValidBlock>): Promise<ExecutionChain> {
    if (this.chain !== undefined && this.chain.head.hash === hash) return this.chain;
    const path: ValidBlock[] = [];
    for (let block = valid.get(hash); block !== undefined; block = valid.get(block.parentHash))
      path.unshift(block);
    const chain = await createFixtureChain(this.fixture);
    for (const block of path) await chain.importBlock(block.rlp);
    this.chain = chain;
    return chain;
  }
}
