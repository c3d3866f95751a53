import { type Block, type BlockHeader, createBlock } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, bytesToUnprefixedHex, equalsBytes, KECCAK256_RLP } from "@ethereumjs/util";
import { createVM, type TxReceipt } from "@ethereumjs/vm";
import { type BlockInput, decodeBlock } from "../blocks/rlp.js";
import { EvmError } from "../errors.js";
import { type ExecutedBlock, executeBlock } from "../execution/execute-block.js";
import { type Hex, toHex } from "../hex.js";
import { type RecordedReads, RecordingDB } from "../state/recording-db.js";
import { createStateManager, type SafeMerkleStateManager } from "../state/state-manager.js";
import { requireHeaderMatches } from "../stateless/compare.js";
import type { ExecutionWitness } from "../witness/types.js";
import { AncestorChain } from "./ancestors.js";
import { type BuildBlockOptions, draftBlock } from "./draft-block.js";
import { buildGenesisHeader, type GenesisAlloc, type GenesisHeaderOptions, writeAlloc } from "./genesis.js";
import { HeaderIndex } from "./header-index.js";
import { collectState } from "./state-walk.js";

/** A block of the chain with what a prover needs from it. */
export interface ChainBlock {
  readonly block: Block;
  readonly hash: Hex;
  readonly rlp: Hex;
  /** Receipts of its transactions, in order (none for genesis). */
  readonly receipts: readonly TxReceipt[];
  /** Its pre-state, recorded while it executed (empty for genesis). */
  readonly witness: ExecutionWitness;
}

export interface ExecutionChainOptions {
  readonly common: Common;
  readonly alloc: GenesisAlloc;
  /** A genesis header to adopt, e.g. a fixture's; its state root must be the allocation's. */
  readonly genesisHeader?: BlockHeader;
  /** How to build the genesis header when none is given. */
  readonly genesis?: GenesisHeaderOptions;
}

/** BLOCKHASH reaches this many ancestors, so a full witness carries as many headers. */
const BLOCKHASH_WINDOW = 256n;

const EMPTY_WITNESS: ExecutionWitness = { state: [], codes: [], keys: [], headers: [] };

/**
 * An execution-layer chain with its full state in memory. It produces blocks from signed
 * transactions (or imports given blocks) and records, while each block executes, the witness a
 * stateless executor needs for it: every trie node and code read that existed before the block
 * (execution and state-root computation, storage tries included), the preimages of the keys
 * touched, and the ancestor headers BLOCKHASH reached.
 */
export class ExecutionChain {
  private readonly blocks: ChainBlock[] = [];
  private readonly byHash = new Map<string, ChainBlock>();
  private readonly headers = new HeaderIndex();

  private constructor(
    readonly common: Common,
    private readonly db: RecordingDB,
    private readonly state: SafeMerkleStateManager,
  ) {}

  static async create(options: ExecutionChainOptions): Promise<ExecutionChain> {
    const { common } = options;
    const db = new RecordingDB();
    const state = createStateManager(db, common, KECCAK256_RLP);
    await writeAlloc(state, options.alloc);
    const stateRoot = await state.getStateRoot();
    const header = options.genesisHeader ?? buildGenesisHeader(common, stateRoot, options.genesis);
    if (!equalsBytes(header.stateRoot, stateRoot)) {
      throw new EvmError(
        "STATE_ROOT_MISMATCH",
        `block 0: genesis state root check failed: the allocation gives ${bytesToHex(stateRoot)}, the header has ${bytesToHex(header.stateRoot)}`,
        { blockNumber: 0n },
      );
    }
    const chain = new ExecutionChain(common, db, state);
    chain.append(createBlock({ header }, { common }), [], EMPTY_WITNESS);
    return chain;
  }

  get head(): ChainBlock {
    const head = this.blocks[this.blocks.length - 1];
    if (head === undefined) throw new Error("ExecutionChain has no genesis");
    return head;
  }

  get latestNumber(): bigint {
    return this.head.block.header.number;
  }

  getBlockByNumber(blockNumber: bigint | number): ChainBlock | undefined {
    return this.blocks[Number(blockNumber)];
  }

  getBlockByHash(hash: Hex | Uint8Array): ChainBlock | undefined {
    return this.byHash.get(typeof hash === "string" ? hash.toLowerCase() : bytesToHex(hash));
  }

  /** Builds, executes and appends the next block with these transactions, in this order. */
  async buildBlock(
    transactions: readonly TypedTransaction[],
    options: BuildBlockOptions = {},
  ): Promise<ChainBlock> {
    const draft = await draftBlock(this.common, this.head.block.header, transactions, options);
    const { executed, witness } = await this.record(draft);
    return this.append(executed.block, executed.result.receipts, witness);
  }

  /** Executes a block produced elsewhere on this chain's state, requiring its header to match the result. */
  async importBlock(input: BlockInput): Promise<ChainBlock> {
    const block = decodeBlock(input, this.common, `block ${this.latestNumber + 1n}`);
    const { executed, witness } = await this.record(block, (result) =>
      requireHeaderMatches(block.header, result),
    );
    return this.append(block, executed.result.receipts, witness);
  }

  /**
   * The largest witness for the next block: every node and code of the head state and the
   * headers of the last 256 blocks. Independent of what a block will read.
   */
  fullWitness(): ExecutionWitness {
    const head = this.head.block.header;
    const contents = collectState((key) => this.db.peek(key), head.stateRoot);
    return {
      state: [...contents.nodes.values()].map(toHex),
      codes: [...contents.codes.values()].map(toHex),
      keys: [],
      headers: this.ancestorHeaders(
        head,
        head.number >= BLOCKHASH_WINDOW ? head.number - BLOCKHASH_WINDOW + 1n : 0n,
      ),
    };
  }

  private async record(block: Block, check?: (executed: ExecutedBlock) => void) {
    const parent = this.head.block.header;
    const touched = new Map<string, Uint8Array>();
    let oldestAncestor = parent.number;
    const vm = await createVM({
      // A copy: the EVM subscribes to its Common's events and never unsubscribes, so a shared
      // Common would keep every block's VM alive.
      common: this.common.copy(),
      stateManager: this.state,
      blockchain: new AncestorChain(this.headers, parent, (ancestor) => {
        if (ancestor < oldestAncestor) oldestAncestor = ancestor;
      }),
    });
    // Reads served from a cache would go unrecorded: every block starts with empty caches.
    this.state.clearCaches();
    this.state.onTouch = (preimage) => touched.set(bytesToUnprefixedHex(preimage), preimage);
    this.db.startRecording();
    let executed: ExecutedBlock;
    let reads: RecordedReads;
    try {
      executed = await executeBlock(vm, block, parent);
      check?.(executed);
    } catch (error) {
      await this.state.setStateRoot(parent.stateRoot);
      throw error;
    } finally {
      this.state.onTouch = undefined;
      reads = this.db.stopRecording();
    }
    const witness: ExecutionWitness = {
      state: [...reads.nodes.values()].map(toHex),
      codes: [...reads.codes.values()].map(toHex),
      keys: [...touched.values()].map(toHex),
      headers: this.ancestorHeaders(parent, oldestAncestor),
    };
    return { executed, witness };
  }

  /** Headers from `from` back to block `oldest`, newest first. */
  private ancestorHeaders(from: BlockHeader, oldest: bigint): Hex[] {
    const headers: Hex[] = [];
    for (let number = from.number; number >= oldest; number--) {
      const header = this.blocks[Number(number)]?.block.header;
      if (header === undefined) break;
      headers.push(toHex(header.serialize()));
    }
    return headers;
  }

  private append(block: Block, receipts: readonly TxReceipt[], witness: ExecutionWitness): ChainBlock {
    const stored: ChainBlock = {
      block,
      hash: toHex(block.hash()),
      rlp: toHex(block.serialize()),
      receipts,
      witness,
    };
    this.blocks.push(stored);
    this.byHash.set(stored.hash, stored);
    this.headers.add(block.header);
    return stored;
  }
}
