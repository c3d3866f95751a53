import { type Block, type BlockHeader, createBlock } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, bytesToUnprefixedHex, equalsBytes, hexToBytes, KECCAK256_RLP } from "@ethereumjs/util";
import { createVM, type TxReceipt } from "@ethereumjs/vm";
import { type BlockInput, decodeBlock } from "../blocks/rlp.js";
import { commonForBlock, requireExecutedRules } from "../chain-spec/block-rules.js";
import { EvmError, WitnessPrunedError } from "../errors.js";
import { type ExecutedBlock, executeBlock } from "../execution/execute-block.js";
import { type Hex, toHex } from "../hex.js";
import { fastPrecompiles } from "../precompiles/blake2f.js";
import { nodeKey } from "../state/layout.js";
import { type RecordedReads, RecordingDB } from "../state/recording-db.js";
import { createStateManager, type SafeMerkleStateManager } from "../state/state-manager.js";
import { requireHeaderMatches } from "../stateless/compare.js";
import type { ExecutionWitness } from "../witness/types.js";
import { AncestorChain, type HeaderSource } from "./ancestors.js";
import { type BuildBlockOptions, draftBlock } from "./draft-block.js";
import { buildGenesisHeader, type GenesisAlloc, type GenesisHeaderOptions, writeAlloc } from "./genesis.js";
import { collectState } from "./state-walk.js";

/**
 * A block of the chain with what a prover needs from it. The chain keeps blocks as RLP plus the
 * fields queries need; `block` decodes on demand.
 */
export interface ChainBlock {
  readonly number: bigint;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly stateRoot: Hex;
  /** The block's RLP. */
  readonly rlp: Hex;
  /** The header's RLP (the string witnesses carry for this block as an ancestor header). */
  readonly headerRlp: Hex;
  /**
   * The decoded block. The chain decodes it on each access, except for its most recent blocks,
   * which it caches: read what you need from one access rather than accessing it repeatedly.
   */
  readonly block: Block;
  /**
   * Its pre-state, recorded while it executed (empty for genesis). Once the chain has pruned it
   * (`ExecutionChainOptions.retainWitnesses`), reading it throws `WitnessPrunedError`.
   */
  readonly witness: ExecutionWitness;
  /** Whether the witness has been pruned. */
  readonly witnessPruned: boolean;
}

/**
 * What `buildBlock` and `importBlock` return: the new block, decoded, with its witness and the
 * receipts of its transactions. A snapshot for the caller; the chain itself keeps no receipts.
 */
export interface BuiltBlock extends ChainBlock {
  /** Receipts of its transactions, in order. */
  readonly receipts: readonly TxReceipt[];
}

export interface ExecutionChainOptions {
  readonly common: Common;
  readonly alloc: GenesisAlloc;
  /** A genesis header to adopt, e.g. a fixture's; its state root must be the allocation's. */
  readonly genesisHeader?: BlockHeader;
  /** How to build the genesis header when none is given. */
  readonly genesis?: GenesisHeaderOptions;
  /**
   * Keep the witnesses of this many newest blocks only; older ones are dropped as blocks are
   * appended. Default: every witness is kept.
   */
  readonly retainWitnesses?: number;
  /**
   * The map the state database keeps its trie nodes and code in (empty at creation). Given, its
   * owner sees every entry the chain adds and drops, e.g. to persist the head state.
   */
  readonly stateStore?: Map<string, Uint8Array>;
}

/**
 * A block as `ExecutionChain.restore` takes it back: what `ChainBlock` holds, and its witness with
 * the ancestor headers by count (they are the chain's own header strings, shared, not copies).
 */
export interface StoredBlockRecord {
  readonly number: bigint;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly stateRoot: Hex;
  readonly rlp: Hex;
  readonly headerRlp: Hex;
  /** Undefined once pruned. */
  readonly witness?: StoredWitness;
}

/** A witness without its ancestor headers, which are the `headerCount` blocks before its own. */
export interface StoredWitness {
  readonly state: readonly Hex[];
  readonly codes: readonly Hex[];
  readonly keys: readonly Hex[];
  readonly headerCount: number;
}

export interface RestoreOptions {
  readonly common: Common;
  readonly retainWitnesses?: number;
  /** The head state's entries, as the `stateStore` of the chain that produced the blocks left them. */
  readonly stateStore: Map<string, Uint8Array>;
  /** Every block from genesis (number 0) to the head, in order. */
  readonly blocks: Iterable<StoredBlockRecord>;
}

/** BLOCKHASH reaches this many ancestors, so a full witness carries as many headers. */
const BLOCKHASH_WINDOW = 256n;

/** Decoded blocks kept for the newest blocks and recent lookups (each holds copies of the `Common`). */
const DECODED_CACHE_SIZE = 16;

const EMPTY_WITNESS: ExecutionWitness = { state: [], codes: [], keys: [], headers: [] };

/** What a stored block needs from its chain. */
interface BlockStore {
  decoded(block: StoredBlock): Block;
  readonly retainWitnesses: number | undefined;
}

/**
 * A block as the chain keeps it: flat hex strings and the queried fields, no decoded objects (a
 * decoded block holds a copy of the `Common` per transaction and header, ~12 KiB each).
 */
class StoredBlock implements ChainBlock {
  #witness: ExecutionWitness | undefined;
  readonly #store: BlockStore;

  constructor(
    store: BlockStore,
    readonly number: bigint,
    readonly hash: Hex,
    readonly parentHash: Hex,
    readonly stateRoot: Hex,
    readonly rlp: Hex,
    readonly headerRlp: Hex,
    witness: ExecutionWitness,
  ) {
    this.#store = store;
    this.#witness = witness;
  }

  get block(): Block {
    return this.#store.decoded(this);
  }

  get witness(): ExecutionWitness {
    if (this.#witness === undefined) {
      throw new WitnessPrunedError(this.number, this.#store.retainWitnesses ?? 0);
    }
    return this.#witness;
  }

  get witnessPruned(): boolean {
    return this.#witness === undefined;
  }

  pruneWitness(): void {
    this.#witness = undefined;
  }
}

/**
 * An execution-layer chain with its full state in memory. It produces blocks from signed
 * transactions (or imports given blocks) and records, while each block executes, the witness a
 * stateless executor needs for it: every trie node and code read that existed before the block
 * (execution and state-root computation, storage tries included), the preimages of the keys
 * touched, and the ancestor headers BLOCKHASH reached.
 *
 * Blocks are kept as RLP (flat hex) with their number, hashes and state root, decoded on demand
 * with a small cache of recent ones; witnesses share the stored header strings. With
 * `retainWitnesses`, only the newest blocks' witnesses are kept. The state database holds the head
 * state only: nodes and code that no longer belong to it are dropped after every block (reference
 * counts), since nothing reads older states.
 */
export class ExecutionChain {
  private readonly blocks: StoredBlock[] = [];
  private readonly byHash = new Map<string, StoredBlock>();
  /** Most recently used last. */
  private readonly decodedCache = new Map<StoredBlock, Block>();
  /** Blocks 1..this have had their witness pruned. */
  private prunedThrough = 0;
  readonly retainWitnesses: number | undefined;
  /** The head's header, decoded: the parent of the next block. */
  private headHeader: BlockHeader;

  /** What its stored blocks call back for. */
  private readonly store: BlockStore;

  /** Headers by hash for the ancestor walk, read from the stored blocks. */
  private readonly headerSource: HeaderSource = {
    get: (hash) => {
      const stored = this.byHash.get(bytesToHex(hash));
      if (stored === undefined) return undefined;
      return {
        number: stored.number,
        parentHash: hexToBytes(stored.parentHash),
        hash: () => hexToBytes(stored.hash),
      };
    },
  };

  private constructor(
    readonly common: Common,
    private readonly db: RecordingDB,
    private readonly state: SafeMerkleStateManager,
    /** The head's header: genesis's for a new chain, the last stored block's for a restored one. */
    head: BlockHeader,
    retainWitnesses: number | undefined,
  ) {
    this.retainWitnesses = retainWitnesses;
    this.store = { decoded: (stored) => this.decoded(stored), retainWitnesses };
    this.headHeader = head;
  }

  static async create(options: ExecutionChainOptions): Promise<ExecutionChain> {
    const { common, retainWitnesses } = options;
    requireRetainWitnesses(retainWitnesses);
    const db = new RecordingDB(options.stateStore ?? new Map());
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
    const chain = new ExecutionChain(common, db, state, header, retainWitnesses);
    chain.append(createBlock({ header }, { common }), EMPTY_WITNESS);
    return chain;
  }

  /**
   * The chain as `stateStore` and the stored blocks leave it, without executing anything: the
   * head state's nodes are counted again (so pruning goes on as before) and the head's header is
   * decoded. Throws when the blocks do not link up or the state lacks the head's state root.
   */
  static async restore(options: RestoreOptions): Promise<ExecutionChain> {
    const { common, retainWitnesses, stateStore } = options;
    requireRetainWitnesses(retainWitnesses);
    const db = new RecordingDB(stateStore);
    for (const [key, value] of stateStore) db.references.added(key, value);
    const state = createStateManager(db, common, KECCAK256_RLP);
    const records = [...options.blocks];
    const last = records.at(-1);
    if (last === undefined) throw new EvmError("INVALID_INPUT", "restore: no blocks, not even genesis");
    const headBlock = decodeBlock(last.rlp, common, `block ${last.number}`);
    const chain = new ExecutionChain(common, db, state, headBlock.header, retainWitnesses);
    for (const record of records) chain.adopt(record);
    const head = chain.blocks.at(-1)!;
    chain.remember(head, headBlock);
    db.references.hold(headBlock.header.stateRoot);
    db.references.collect();
    const root = headBlock.header.stateRoot;
    if (!equalsBytes(root, KECCAK256_RLP) && db.peek(nodeKey(root)) === undefined) {
      throw new EvmError(
        "STATE_ROOT_MISMATCH",
        `restore: the state store lacks the head's state root ${head.stateRoot} (block ${head.number})`,
        { blockNumber: head.number },
      );
    }
    await state.setStateRoot(headBlock.header.stateRoot);
    return chain;
  }

  /** Appends a stored block as it was recorded (restore only). */
  private adopt(record: StoredBlockRecord): void {
    const previous = this.blocks.at(-1);
    const expected = previous === undefined ? 0n : previous.number + 1n;
    if (record.number !== expected || (previous !== undefined && record.parentHash !== previous.hash)) {
      throw new EvmError(
        "PARENT_MISMATCH",
        `restore: block ${record.number} does not follow block ${previous?.number ?? "(none)"} ${previous?.hash ?? ""}`,
        { blockNumber: record.number },
      );
    }
    const witness =
      record.witness === undefined
        ? undefined
        : {
            state: [...record.witness.state],
            codes: [...record.witness.codes],
            keys: [...record.witness.keys],
            headers: this.ancestorHeaders(
              record.number - 1n,
              record.number - BigInt(record.witness.headerCount),
            ),
          };
    const stored = new StoredBlock(
      this.store,
      record.number,
      record.hash,
      previous?.hash === record.parentHash ? previous.hash : record.parentHash,
      record.stateRoot,
      record.rlp,
      record.headerRlp,
      witness ?? EMPTY_WITNESS,
    );
    if (witness === undefined && record.number > 0n) {
      stored.pruneWitness();
      this.prunedThrough = Number(record.number);
    }
    this.blocks.push(stored);
    this.byHash.set(stored.hash, stored);
  }

  get head(): ChainBlock {
    const head = this.blocks[this.blocks.length - 1];
    if (head === undefined) throw new Error("ExecutionChain has no genesis");
    return head;
  }

  get latestNumber(): bigint {
    return this.headHeader.number;
  }

  /** How many trie nodes and codes the state database holds: the head state's, once pruned. */
  get stateEntries(): number {
    return this.db.size;
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
  ): Promise<BuiltBlock> {
    const draft = await draftBlock(this.common, this.headHeader, transactions, options);
    const { executed, witness } = await this.record(draft);
    return this.append(executed.block, witness, executed.result.receipts);
  }

  /** Executes a block produced elsewhere on this chain's state, requiring its header to match the result. */
  async importBlock(input: BlockInput): Promise<BuiltBlock> {
    const block = decodeBlock(input, this.common, `block ${this.latestNumber + 1n}`);
    const { executed, witness } = await this.record(block, (result) =>
      requireHeaderMatches(block.header, result),
    );
    return this.append(block, witness, executed.result.receipts);
  }

  /**
   * The largest witness for the next block: every node and code of the head state and the
   * headers of the last 256 blocks. Independent of what a block will read.
   */
  fullWitness(): ExecutionWitness {
    const head = this.headHeader;
    const contents = collectState((key) => this.db.peek(key), head.stateRoot);
    return {
      state: [...contents.nodes.values()].map(toHex),
      codes: [...contents.codes.values()].map(toHex),
      keys: [],
      headers: this.ancestorHeaders(
        head.number,
        head.number >= BLOCKHASH_WINDOW ? head.number - BLOCKHASH_WINDOW + 1n : 0n,
      ),
    };
  }

  /** The block `stored` decoded, from the cache of recent ones when there. */
  private decoded(stored: StoredBlock): Block {
    let block = this.decodedCache.get(stored);
    if (block === undefined) {
      block = decodeBlock(stored.rlp, this.common, `block ${stored.number}`);
    } else {
      this.decodedCache.delete(stored);
    }
    this.remember(stored, block);
    return block;
  }

  private remember(stored: StoredBlock, block: Block): void {
    this.decodedCache.set(stored, block);
    if (this.decodedCache.size > DECODED_CACHE_SIZE) {
      this.decodedCache.delete(this.decodedCache.keys().next().value!);
    }
  }

  private async record(block: Block, check?: (executed: ExecutedBlock) => void) {
    const parent = this.headHeader;
    requireExecutedRules(this.common, block.header.number, block.header.timestamp);
    const touched = new Map<string, Uint8Array>();
    let oldestAncestor = parent.number;
    const vm = await createVM({
      // A copy at the block's fork: the EVM subscribes to its Common's events and never
      // unsubscribes, so a shared Common would keep every block's VM alive.
      common: commonForBlock(this.common, block.header.number, block.header.timestamp),
      stateManager: this.state,
      blockchain: new AncestorChain(this.headerSource, parent, (ancestor) => {
        if (ancestor < oldestAncestor) oldestAncestor = ancestor;
      }),
      evmOpts: fastPrecompiles(),
    });
    // Reads served from a cache would go unrecorded: every block starts with empty caches, and
    // storage tries made from the accounts' current roots.
    this.state.clearCaches();
    this.state.forgetStorageTries();
    this.state.onTouch = (preimage) => touched.set(bytesToUnprefixedHex(preimage), preimage);
    this.db.startRecording();
    // The pre-state's root node, even for a block that reads no state (an empty block before
    // Shanghai): the stateless executor starts from it.
    await this.db.get(nodeKey(parent.stateRoot));
    let executed: ExecutedBlock;
    let reads: RecordedReads;
    try {
      executed = await executeBlock(vm, block, parent);
      check?.(executed);
    } catch (error) {
      await this.state.setStateRoot(parent.stateRoot);
      // What the failed block wrote (an imported block fails its header check after executing).
      this.db.references.collect();
      throw error;
    } finally {
      this.state.onTouch = undefined;
      reads = this.db.stopRecording();
    }
    const witness: ExecutionWitness = {
      state: [...reads.nodes.values()].map(toHex),
      codes: [...reads.codes.values()].map(toHex),
      keys: [...touched.values()].map(toHex),
      headers: this.ancestorHeaders(parent.number, oldestAncestor),
    };
    return { executed, witness };
  }

  /**
   * Headers from block `from` back to block `oldest`, newest first: the stored strings themselves,
   * so a witness costs nothing for the headers it carries.
   */
  private ancestorHeaders(from: bigint, oldest: bigint): Hex[] {
    const headers: Hex[] = [];
    for (let number = from; number >= oldest; number--) {
      const stored = this.blocks[Number(number)];
      if (stored === undefined) break;
      headers.push(stored.headerRlp);
    }
    return headers;
  }

  private append(block: Block, witness: ExecutionWitness): ChainBlock;
  private append(block: Block, witness: ExecutionWitness, receipts: readonly TxReceipt[]): BuiltBlock;
  private append(block: Block, witness: ExecutionWitness, receipts?: readonly TxReceipt[]): ChainBlock {
    const { header } = block;
    const previous = this.blocks[this.blocks.length - 1];
    const parentHash = toHex(header.parentHash);
    const stored = new StoredBlock(
      this.store,
      header.number,
      toHex(block.hash()),
      // The parent's own string when it is the same hash (always, on a linear chain): one copy.
      previous !== undefined && previous.hash === parentHash ? previous.hash : parentHash,
      toHex(header.stateRoot),
      toHex(block.serialize()),
      toHex(header.serialize()),
      witness,
    );
    this.blocks.push(stored);
    this.byHash.set(stored.hash, stored);
    this.headHeader = header;
    this.remember(stored, block);
    this.pruneWitnesses();
    // Keep the new head state only: drop the nodes and code only the previous one reached.
    this.db.references.hold(header.stateRoot);
    if (previous !== undefined) this.db.references.release(hexToBytes(previous.stateRoot));
    this.db.references.collect();
    if (receipts === undefined) return stored;
    const { number, hash, stateRoot, rlp, headerRlp } = stored;
    const built: BuiltBlock = {
      number,
      hash,
      parentHash: stored.parentHash,
      stateRoot,
      rlp,
      headerRlp,
      block,
      witness,
      witnessPruned: false,
      receipts,
    };
    return built;
  }

  /** Drops the witnesses older than the newest `retainWitnesses` blocks'. */
  private pruneWitnesses(): void {
    if (this.retainWitnesses === undefined) return;
    const last = this.blocks.length - 1 - this.retainWitnesses;
    for (let number = this.prunedThrough + 1; number <= last; number++) this.blocks[number]?.pruneWitness();
    if (last > this.prunedThrough) this.prunedThrough = last;
  }
}

function requireRetainWitnesses(retainWitnesses: number | undefined): void {
  if (retainWitnesses !== undefined && (!Number.isSafeInteger(retainWitnesses) || retainWitnesses < 1)) {
    throw new RangeError(`retainWitnesses must be a positive integer, got ${retainWitnesses}`);
  }
}
