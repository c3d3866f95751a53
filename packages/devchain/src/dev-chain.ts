import type { Common } from "@ethereumjs/common";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { MAX_TIMER_MS } from "@paas/core/contracts";
import {
  type BuiltBlock,
  blockToRpc,
  type ChainBlock,
  type ChainSpec,
  chainSpecHash,
  chainSpecOf,
  createCommon,
  devnetChainConfig,
  devnetChainSpec,
  ExecutionChain,
  type ExecutionWitness,
  type GethChainConfig,
  type Hex,
  type RpcBlock,
} from "@paas/evm";
import {
  type BatchInfo,
  type BatchTransition,
  type Chainstate,
  type EvmBlockCommitment,
  expectedBatchTransition,
  type GenesisBlock,
  isXOnlyPublicKey,
  type RollupParams,
  type SignedL2Block,
  sequencerPublicKey,
} from "@paas/rollup";
import { type CheckpointTrust, checkCheckpointProof } from "./checkpoint-proof.js";
import { DevChainNotFoundError, DevChainPrunedError } from "./errors.js";
import { ChainStore } from "./persistence/chain-store.js";
import { JournaledMap } from "./persistence/journaled-map.js";
import {
  checkpointFields,
  decodeCheckpoint,
  decodeSlot,
  elRecord,
  l2Fields,
  requireSameIdentity,
} from "./persistence/persisted-chain.js";
import { DEFAULT_SEED, deriveSecretKey, type Seed } from "./seed.js";
import { Sequencer } from "./sequencer.js";
import { StateView } from "./state-view.js";
import { type FundedAccount, Workload, type WorkloadKind, type WorkloadOptions } from "./workload.js";

export interface DevChainConfig {
  /** Everything is derived from it: accounts, workload, sequencer key (unless given). Default "paas-devnet". */
  readonly seed?: Seed;
  /** The EL chain id, also the rollup's `chainId` (bound into block signatures). Default 1337. */
  readonly chainId?: number;
  /** Default 4. */
  readonly slotsPerEpoch?: number;
  /** The sequencer's BIP340 secret key (32 bytes or 64 hex digits). Default: derived from the seed. */
  readonly sequencerKey?: Uint8Array | string;
  /** Unix seconds of genesis (EL and L2). Default 1_700_000_000. */
  readonly genesisTimestamp?: number;
  /** Chain time between blocks: block n has timestamp genesis + n × this. Default 12. Not wall time. */
  readonly secondsPerSlot?: number;
  readonly workload?: WorkloadOptions;
  /**
   * The prover host's x-only public key (32 bytes or 64 hex digits) whose checkpoint receipts the CL
   * trusts. Give it with `checkpointProgramId`; without both, every submitted proof is rejected.
   */
  readonly trustedProverKey?: Uint8Array | string;
  /** The checkpoint program's id (32 bytes or 64 hex digits). */
  readonly checkpointProgramId?: Uint8Array | string;
  /**
   * Keep the execution witnesses of this many newest EL blocks; older ones are dropped (asking for
   * one throws `DevChainPrunedError`). Blocks, headers and the CL's data are kept. Default 8192.
   */
  readonly retainBlocks?: number;
  /**
   * Keep the chain in this directory (`chain.sqlite`), written as each block is produced: a chain
   * created with the same config on the same directory continues where it stopped, with the same
   * blocks, checkpoints and accepted proofs. Without it the chain lives in memory only.
   */
  readonly dataDir?: string;
}

/** `DevChainConfig.retainBlocks` by default: about 2¼ hours of witnesses at one block per second. */
export const DEFAULT_RETAIN_BLOCKS = 8192;

/**
 * One slot produced: an EL block and the L2 block carrying it. As the chain keeps it
 * (`producedBlocks`) the EL block is the chain's light `ChainBlock`; as production returns it (and
 * the `block` event carries it) it is the `BuiltBlock`, decoded, with its receipts.
 */
export interface ProducedBlock<El extends ChainBlock = ChainBlock> {
  readonly slot: number;
  readonly epoch: number;
  readonly el: El;
  readonly l2: SignedL2Block;
  readonly blockId: Uint8Array;
  /** The chainstate after this slot. */
  readonly chainstate: Chainstate;
  /** What the workload meant to put in the EL block (labels; the block itself is the truth). */
  readonly kinds: readonly WorkloadKind[];
  /** The checkpoint this block created (it closed an epoch). */
  readonly checkpoint?: BatchInfo;
}

export type CheckpointProofStatus =
  | { readonly index: number; readonly status: "unproven" }
  | { readonly index: number; readonly status: "proven"; readonly provenAt: Date };

/** A checkpoint: what it covers, the transition a proof must show, and whether one was accepted. */
export interface CheckpointRecord {
  readonly info: BatchInfo;
  readonly transition: BatchTransition;
  readonly proof?: { readonly provenAt: Date; readonly receipt: Uint8Array };
}

export type CheckpointSubmissionResult =
  | { readonly index: number; readonly outcome: "accepted" | "already-proven" }
  | { readonly index: number; readonly outcome: "rejected"; readonly reason: string };

export type DevChainEvent =
  | { readonly type: "block"; readonly block: ProducedBlock<BuiltBlock> }
  | { readonly type: "checkpoint"; readonly checkpoint: CheckpointRecord }
  | { readonly type: "proof"; readonly result: CheckpointSubmissionResult }
  /** Timer mode only: producing a block failed; the timer stops. */
  | { readonly type: "error"; readonly error: unknown };

export type DevChainListener = (event: DevChainEvent) => void;

const RPC_BLOCK_CACHE = 512;

/** `eth_getBlockBy*` with `fullTransactions = false`: transaction hashes instead of objects. */
export type RpcBlockWithHashes = Omit<RpcBlock, "transactions"> & { readonly transactions: readonly Hex[] };

/** An EL block by number, hash, or tag. */
export type ElBlockRef =
  | number
  | bigint
  | Hex
  | Uint8Array
  | "latest"
  | "earliest"
  | "pending"
  | "safe"
  | "finalized";

/**
 * A deterministic local rollup, in-process: an EL chain (@paas/evm's `ExecutionChain`, Prague)
 * driven by a seeded workload, with every block's witness recorded while it executes; a CL
 * sequencer signing one L2 block per EL block with @paas/rollup's rules; one checkpoint per epoch;
 * and the CL's acceptance of checkpoint proofs. Same config → byte-identical chain.
 */
export class DevChain {
  readonly common: Common;
  /**
   * The EL's rules: @paas/evm's `devnet` preset under this chain's id (merged at genesis, Prague
   * from genesis). `params.elChainSpecHash` is its hash; `chainConfig` is the same in geth's format.
   */
  readonly chainSpec: ChainSpec;
  readonly params: RollupParams;
  readonly seed: Seed;
  private readonly workload: Workload;
  private readonly sequencer: Sequencer;
  private readonly records: CheckpointRecord[] = [];
  private readonly produced: ProducedBlock[] = [];
  private readonly listeners = new Set<DevChainListener>();
  /** `blockToRpc` recovers every sender: done once per block. */
  private readonly rpcBlocks = new Map<string, RpcBlock>();
  private readonly trust: CheckpointTrust | undefined;
  private readonly genesisTimestamp: number;
  private readonly secondsPerSlot: number;
  readonly retainBlocks: number;
  /** Serialises production: manual calls and the timer never build two blocks at once. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Why no more blocks are produced: the chain was closed, or a block could not be stored. */
  private halted: Error | undefined;

  /** Where the chain is kept, and the state entries changed since the last block was written. */
  private readonly persistence:
    | { readonly store: ChainStore; readonly state: JournaledMap<Uint8Array> }
    | undefined;

  private constructor(
    readonly execution: ExecutionChain,
    workload: Workload,
    sequencer: Sequencer,
    config: Required<Pick<DevChainConfig, "seed" | "genesisTimestamp" | "secondsPerSlot" | "retainBlocks">>,
    trust: CheckpointTrust | undefined,
    persistence?: { readonly store: ChainStore; readonly state: JournaledMap<Uint8Array> },
  ) {
    this.persistence = persistence;
    this.common = execution.common;
    this.chainSpec = chainSpecOf(execution.common);
    this.workload = workload;
    this.sequencer = sequencer;
    this.params = sequencer.params;
    this.seed = config.seed;
    this.genesisTimestamp = config.genesisTimestamp;
    this.secondsPerSlot = config.secondsPerSlot;
    this.retainBlocks = config.retainBlocks;
    this.trust = trust;
  }

  static async create(config: DevChainConfig = {}): Promise<DevChain> {
    const seed = config.seed ?? DEFAULT_SEED;
    const chainId = config.chainId ?? 1337;
    const slotsPerEpoch = config.slotsPerEpoch ?? 4;
    const genesisTimestamp = config.genesisTimestamp ?? 1_700_000_000;
    const secondsPerSlot = config.secondsPerSlot ?? 12;
    const retainBlocks = config.retainBlocks ?? DEFAULT_RETAIN_BLOCKS;
    if (!Number.isSafeInteger(slotsPerEpoch) || slotsPerEpoch < 1) {
      throw new RangeError(`slotsPerEpoch must be a positive integer, got ${slotsPerEpoch}`);
    }
    if (!Number.isSafeInteger(genesisTimestamp) || genesisTimestamp < 0) {
      throw new RangeError(`genesisTimestamp must be a non-negative integer, got ${genesisTimestamp}`);
    }
    if (!Number.isSafeInteger(secondsPerSlot) || secondsPerSlot < 1) {
      throw new RangeError(`secondsPerSlot must be a positive integer, got ${secondsPerSlot}`);
    }
    if (!Number.isSafeInteger(retainBlocks) || retainBlocks < 1) {
      throw new RangeError(`retainBlocks must be a positive integer, got ${retainBlocks}`);
    }
    const trust = trustOf(config);
    const common = createCommon(devnetChainSpec(chainId));
    const workload = new Workload(common, seed, config.workload);
    const secretKey =
      config.sequencerKey === undefined
        ? deriveSecretKey(seed, "sequencer")
        : bytes32(config.sequencerKey, "sequencerKey");
    const identity = {
      seed: String(seed),
      chainId,
      slotsPerEpoch,
      genesisTimestamp,
      secondsPerSlot,
      workload: config.workload ?? {},
      sequencerPublicKey: bytesToHex(sequencerPublicKey(secretKey)),
    };
    const store = config.dataDir === undefined ? undefined : ChainStore.open(config.dataDir);
    try {
      const stored = store?.identity();
      if (store !== undefined && stored !== undefined) requireSameIdentity(store.file, stored, identity);
      const loaded = stored === undefined ? undefined : store?.load();
      // The journal is what each block writes to the data directory. A chain in memory keeps none:
      // nothing would drain it, and it would hold every state key ever written, dropped ones too.
      const persistence = store && { store, state: new JournaledMap<Uint8Array>() };
      const state = persistence?.state ?? new Map<string, Uint8Array>();
      for (const [key, value] of loaded?.state ?? []) state.set(key, value);
      persistence?.state.drain();
      const execution =
        loaded === undefined
          ? await ExecutionChain.create({
              common,
              alloc: workload.genesisAlloc(),
              genesis: { timestamp: BigInt(genesisTimestamp) },
              retainWitnesses: retainBlocks,
              stateStore: state,
            })
          : await ExecutionChain.restore({
              common,
              retainWitnesses: retainBlocks,
              stateStore: state,
              blocks: [loaded.genesis, ...loaded.slots.map((slot) => slot.el)],
            });
      const genesis = execution.getBlockByNumber(0)!;
      const params: RollupParams = {
        chainId,
        elChainSpecHash: hexToBytes(chainSpecHash(devnetChainSpec(chainId))),
        sequencerPublicKey: sequencerPublicKey(secretKey),
        slotsPerEpoch,
        genesis: {
          timestamp: genesisTimestamp,
          execBlock: { number: 0, hash: hexToBytes(genesis.hash), stateRoot: hexToBytes(genesis.stateRoot) },
        },
      };
      if (persistence !== undefined && loaded === undefined) {
        persistence.store.initialise(identity, elRecord(genesis), persistence.state.drain());
      }
      const chain = new DevChain(
        execution,
        workload,
        new Sequencer(params, secretKey),
        { seed, genesisTimestamp, secondsPerSlot, retainBlocks },
        trust,
        persistence,
      );
      if (loaded !== undefined) chain.adopt(loaded);
      return chain;
    } catch (error) {
      store?.close();
      throw error;
    }
  }

  /** Takes back a stored chain's CL side and workload (the EL side is restored already). */
  private adopt(loaded: ReturnType<ChainStore["load"]>): void {
    for (const stored of loaded.checkpoints) this.records.push(decodeCheckpoint(stored));
    const closedAt = new Map(this.records.map((r) => [r.info.l2Range.end, r.info]));
    for (const slot of loaded.slots) {
      const { l2, chainstate } = decodeSlot(slot);
      this.sequencer.adopt(l2, slot.blockId, chainstate);
      const checkpoint = closedAt.get(slot.slot);
      this.produced.push({
        slot: slot.slot,
        epoch: l2.header.epoch,
        el: this.execution.getBlockByNumber(slot.el.number)!,
        l2,
        blockId: slot.blockId,
        chainstate,
        kinds: slot.kinds,
        ...(checkpoint !== undefined && { checkpoint }),
      });
    }
    if (loaded.workload !== undefined) this.workload.resume(loaded.workload);
  }

  // ---- production ----

  /** Produces the next slot: one EL block from the workload, and the signed L2 block carrying it. */
  produceBlock(): Promise<ProducedBlock<BuiltBlock>> {
    return this.enqueue(async () => {
      if (this.halted) throw this.halted;
      return this.produceOne();
    });
  }

  /**
   * Produces `count` slots, in order, and returns them as built (decoded, with receipts): for many
   * blocks whose results are not needed, call `produceBlock` in a loop instead.
   */
  async produceBlocks(count: number): Promise<ProducedBlock<BuiltBlock>[]> {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    const blocks: ProducedBlock<BuiltBlock>[] = [];
    for (let i = 0; i < count; i++) blocks.push(await this.produceBlock());
    return blocks;
  }

  /** Produces slots until `count` more epochs have closed (each creating its checkpoint). */
  async produceEpochs(count: number): Promise<ProducedBlock<BuiltBlock>[]> {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    const perEpoch = this.params.slotsPerEpoch;
    const target = (Math.floor(this.latestSlot / perEpoch) + count) * perEpoch;
    return this.produceBlocks(Math.max(0, target - this.latestSlot));
  }

  /**
   * Timer mode: produces a block every `blockTimeMs` (measured from the end of the previous one, so
   * slow blocks never pile up) until `stop()`. A failure stops the timer and is reported as an
   * `error` event.
   */
  start(blockTimeMs: number): void {
    // A timer waits at most 2^31 - 1 ms; a longer delay would fire at once, block after block.
    if (!Number.isFinite(blockTimeMs) || blockTimeMs < 1 || blockTimeMs > MAX_TIMER_MS)
      throw new RangeError(`blockTimeMs must be from 1 to ${MAX_TIMER_MS}, got ${blockTimeMs}`);
    if (this.running) throw new Error("the devchain is already running");
    this.running = true;
    const tick = () => {
      this.timer = undefined;
      this.produceBlock().then(
        () => {
          if (this.running) this.timer = setTimeout(tick, blockTimeMs);
        },
        (error: unknown) => {
          this.running = false;
          this.emit({ type: "error", error });
        },
      );
    };
    this.timer = setTimeout(tick, blockTimeMs);
  }

  /** Stops timer mode; resolves once a block being produced is done. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.queue.catch(() => undefined);
  }

  /** Stops, and closes the data directory's store (when the chain has one): call it last. */
  async close(): Promise<void> {
    this.halted ??= new Error("the devchain is closed");
    await this.stop();
    this.persistence?.store.close();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Why no more blocks are produced (closed, or a block that could not be stored); undefined while it can. */
  get haltedBecause(): string | undefined {
    return this.halted?.message;
  }

  /** Listens to blocks, checkpoints, proof submissions and timer errors; returns the unsubscribe function. */
  subscribe(listener: DevChainListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- CL ----

  get genesis(): GenesisBlock {
    return this.sequencer.genesis;
  }

  /** The last produced slot (0: only genesis). */
  get latestSlot(): number {
    return this.sequencer.tipSlot;
  }

  get sequencerPublicKey(): Uint8Array {
    return this.params.sequencerPublicKey;
  }

  getChainstate(slot: number): Chainstate {
    return this.sequencer.chainstateAt(slot);
  }

  getL2Block(slot: number): SignedL2Block {
    return this.sequencer.blockAt(slot);
  }

  getBlockId(slot: number): Uint8Array {
    return this.sequencer.blockIdAt(slot);
  }

  /** Signed blocks of slots `start..end` inclusive (`start >= 1`). */
  getBlocksInRange(start: number, end: number): SignedL2Block[] {
    return this.sequencer.blocksInRange(start, end);
  }

  /** Every produced slot, in order (slot 1 first). */
  get producedBlocks(): readonly ProducedBlock[] {
    return this.produced;
  }

  // ---- checkpoints ----

  /** The newest checkpoint (the last closed epoch), or null before the first epoch closes. */
  get latestCheckpointIndex(): number | null {
    return this.records.length === 0 ? null : this.records.length - 1;
  }

  /** The lowest checkpoint without an accepted proof, or null when all are proven (or none exist). */
  get nextUnprovenCheckpointIndex(): number | null {
    const index = this.records.findIndex((record) => record.proof === undefined);
    return index < 0 ? null : index;
  }

  get checkpoints(): readonly CheckpointRecord[] {
    return this.records;
  }

  getCheckpoint(index: number): CheckpointRecord {
    const record = Number.isSafeInteger(index) && index >= 0 ? this.records[index] : undefined;
    if (record === undefined) throw new DevChainNotFoundError(`checkpoint ${index}`);
    return record;
  }

  getCheckpointInfo(index: number): BatchInfo {
    return this.getCheckpoint(index).info;
  }

  getCheckpointStatus(index: number): CheckpointProofStatus {
    const { proof } = this.getCheckpoint(index);
    return proof === undefined
      ? { index, status: "unproven" }
      : { index, status: "proven", provenAt: proof.provenAt };
  }

  /**
   * The CL's side of a checkpoint proof: the receipt (binary encoding) must decode, verify against
   * the trusted prover key and checkpoint program id, and commit exactly the checkpoint's expected
   * `BatchTransition` (SSZ), whose `paramsRoot` is the root of this chain's own params. Valid →
   * "accepted" (or "already-proven" when a valid proof was accepted before); invalid → "rejected"
   * with the reason. An unknown index throws `DevChainNotFoundError`.
   */
  submitCheckpointProof(index: number, receipt: Uint8Array): CheckpointSubmissionResult {
    const record = this.getCheckpoint(index);
    const result = this.judge(record, receipt);
    if (result.outcome === "accepted") {
      const provenAt = new Date();
      // Stored before the CL answers "accepted": a restarted devnet never asks for it again.
      this.persistence?.store.acceptProof(index, receipt, provenAt.getTime());
      this.records[index] = { ...record, proof: { provenAt, receipt: receipt.slice() } };
    }
    this.emit({ type: "proof", result });
    return result;
  }

  private judge(record: CheckpointRecord, receipt: Uint8Array): CheckpointSubmissionResult {
    const index = record.info.index;
    if (this.trust === undefined) {
      return {
        index,
        outcome: "rejected",
        reason:
          "this chain has no trusted prover key and checkpoint program id configured, so it accepts no proof",
      };
    }
    const check = checkCheckpointProof(receipt, record.transition, this.trust);
    if (!check.ok) return { index, outcome: "rejected", reason: check.reason };
    return { index, outcome: record.proof === undefined ? "accepted" : "already-proven" };
  }

  // ---- EL ----

  /** The EL's chain spec in the format of geth's genesis `config` (what `debug_chainConfig` serves). */
  get chainConfig(): GethChainConfig {
    return devnetChainConfig(this.chainSpec.chainId);
  }

  /** The EL head's number. */
  get blockNumber(): number {
    return Number(this.execution.latestNumber);
  }

  /**
   * An EL block by number, hash or tag, or undefined. Tags: `latest`/`pending` the head, `earliest`
   * genesis, `safe` the EL block of the latest checkpoint's last slot, `finalized` that of the latest
   * proven checkpoint (genesis while there is none).
   */
  getElBlock(ref: ElBlockRef): ChainBlock | undefined {
    if (typeof ref === "number" || typeof ref === "bigint") {
      return ref < 0 ? undefined : this.execution.getBlockByNumber(ref);
    }
    if (ref instanceof Uint8Array) return this.execution.getBlockByHash(ref);
    switch (ref) {
      case "latest":
      case "pending":
        return this.execution.head;
      case "earliest":
        return this.execution.getBlockByNumber(0);
      case "safe":
        return this.execution.getBlockByNumber(this.elNumberAtCheckpoint(this.latestCheckpointIndex));
      case "finalized":
        return this.execution.getBlockByNumber(this.elNumberAtCheckpoint(this.latestProvenCheckpointIndex()));
      default:
        return this.execution.getBlockByHash(ref);
    }
  }

  /** EL blocks `from..to` inclusive (default: every block after genesis). */
  getElBlocks(from = 1, to = this.blockNumber): ChainBlock[] {
    const blocks: ChainBlock[] = [];
    for (let n = from; n <= to; n++) {
      const block = this.execution.getBlockByNumber(n);
      if (block === undefined) throw new DevChainNotFoundError(`EL block ${n}`);
      blocks.push(block);
    }
    return blocks;
  }

  /**
   * The block as `eth_getBlockByNumber`/`eth_getBlockByHash` answer it (geth/reth shape, via
   * @paas/evm's `blockToRpc`): full transaction objects, or only their hashes. Undefined when absent.
   */
  getElBlockJson(ref: ElBlockRef, fullTransactions = true): RpcBlock | RpcBlockWithHashes | undefined {
    const block = this.getElBlock(ref);
    if (block === undefined) return undefined;
    let json = this.rpcBlocks.get(block.hash);
    if (json === undefined) {
      json = blockToRpc(block.block);
      this.rpcBlocks.set(block.hash, json);
      // Keep the most recent answers only: a long-running devnet must not grow this without bound.
      if (this.rpcBlocks.size > RPC_BLOCK_CACHE) this.rpcBlocks.delete(this.rpcBlocks.keys().next().value!);
    }
    return fullTransactions ? json : { ...json, transactions: json.transactions.map((tx) => tx.hash) };
  }

  /** The block's RLP (`debug_getRawBlock`). */
  getRawBlock(ref: ElBlockRef): Hex {
    return this.requireElBlock(ref).rlp;
  }

  /**
   * The witness recorded while block `ref` executed (`debug_executionWitness`). Not for genesis;
   * for a block older than the newest `retainBlocks`, `DevChainPrunedError`.
   */
  getExecutionWitness(ref: ElBlockRef): ExecutionWitness {
    const block = this.requireElBlock(ref);
    if (block.number === 0n) throw new DevChainNotFoundError("execution witness of the genesis block");
    if (block.witnessPruned) throw new DevChainPrunedError(Number(block.number), this.retainBlocks);
    return block.witness;
  }

  /** What the EVM EE STF proves about EL block `number` (and the exec segment the L2 block carries). */
  getEvmCommitment(number: number): EvmBlockCommitment {
    const block = this.requireElBlock(number);
    return {
      number: Number(block.number),
      hash: hexToBytes(block.hash),
      parentHash: hexToBytes(block.parentHash),
      stateRoot: hexToBytes(block.stateRoot),
    };
  }

  /** The head's state, for inspection (walks the whole state: meant for tests and tools). */
  headState(): StateView {
    return StateView.fromWitness(hexToBytes(this.execution.head.stateRoot), this.execution.fullWitness());
  }

  /** The seeded, funded EL accounts of genesis. */
  get accounts(): readonly FundedAccount[] {
    return this.workload.accounts;
  }

  // ---- internals ----

  private requireElBlock(ref: ElBlockRef): ChainBlock {
    const block = this.getElBlock(ref);
    if (block === undefined) {
      const what = ref instanceof Uint8Array ? bytesToHex(ref) : String(ref);
      throw new DevChainNotFoundError(`EL block ${what}`);
    }
    return block;
  }

  private latestProvenCheckpointIndex(): number | null {
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]!.proof !== undefined) return i;
    return null;
  }

  private elNumberAtCheckpoint(index: number | null): number {
    if (index === null) return 0;
    return this.getChainstate(this.records[index]!.info.l2Range.end).execTip.number;
  }

  private async produceOne(): Promise<ProducedBlock<BuiltBlock>> {
    const number = this.execution.latestNumber + 1n;
    const timestamp = this.genesisTimestamp + Number(number) * this.secondsPerSlot;
    const { transactions, kinds, options } = this.workload.nextBlock(number);
    const el = await this.execution.buildBlock(transactions, { ...options, timestamp: BigInt(timestamp) });
    const header = el.block.header;
    const sequenced = this.sequencer.sequence(
      {
        number: Number(header.number),
        hash: el.block.hash(),
        parentHash: header.parentHash,
        stateRoot: header.stateRoot,
      },
      timestamp,
    );
    const { slot, epoch } = sequenced.block.header;
    const block: ProducedBlock<BuiltBlock> = {
      slot,
      epoch,
      el,
      l2: sequenced.block,
      blockId: sequenced.blockId,
      chainstate: sequenced.chainstate,
      kinds,
      ...(sequenced.closedCheckpoint === undefined ? {} : { checkpoint: sequenced.closedCheckpoint }),
    };
    // The chain keeps the light block; the decoded one and the receipts go to the caller only.
    this.produced.push({ ...block, el: this.execution.getBlockByNumber(el.number)! });
    let record: CheckpointRecord | undefined;
    if (sequenced.closedCheckpoint !== undefined) {
      const info = sequenced.closedCheckpoint;
      if (info.index !== this.records.length) throw new Error(`checkpoint ${info.index} out of order`);
      const pre = this.getChainstate(info.l2Range.start - 1);
      record = {
        info,
        transition: expectedBatchTransition(info, pre, this.getChainstate(info.l2Range.end), this.params),
      };
      this.records.push(record);
    }
    if (this.persistence !== undefined) {
      const chainBlock = this.produced.at(-1)!.el;
      try {
        this.persistence.store.appendBlock({
          slot: {
            el: elRecord(chainBlock),
            slot,
            kinds,
            ...l2Fields(block.l2, block.blockId, block.chainstate),
          },
          state: this.persistence.state.drain(),
          workload: this.workload.state(),
          ...(record !== undefined && { checkpoint: checkpointFields(record) }),
          prunedThrough: Math.max(0, Number(chainBlock.number) - this.retainBlocks),
        });
      } catch (error) {
        // The block is in memory (its state applied) but not on disk: producing on would store
        // blocks the data directory cannot restore without it. The chain stops at what is stored.
        this.halted = new Error(
          `storing slot ${slot} failed, so the devchain produces no more blocks (its data directory keeps slots up to ${slot - 1}; restart it): ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
        throw this.halted;
      }
    }
    this.emit({ type: "block", block });
    if (record !== undefined) this.emit({ type: "checkpoint", checkpoint: record });
    return block;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private emit(event: DevChainEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not break production.
      }
    }
  }
}

function trustOf(config: DevChainConfig): CheckpointTrust | undefined {
  const { trustedProverKey, checkpointProgramId } = config;
  if (trustedProverKey === undefined && checkpointProgramId === undefined) return undefined;
  if (trustedProverKey === undefined || checkpointProgramId === undefined) {
    throw new RangeError("give both trustedProverKey and checkpointProgramId, or neither");
  }
  const key = bytes32(trustedProverKey, "trustedProverKey");
  if (!isXOnlyPublicKey(key))
    throw new RangeError("trustedProverKey is not a valid x-only BIP340 public key");
  return { trustedProverKey: key, checkpointProgramId: bytes32(checkpointProgramId, "checkpointProgramId") };
}

/** 32 bytes from bytes or hex (with or without 0x). */
export function bytes32(value: Uint8Array | string, what: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === "string") {
    const text = value.trim().replace(/^0x/i, "");
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new RangeError(`${what} must be 32 bytes as 64 hex digits`);
    bytes = hexToBytes(`0x${text}`);
  } else {
    bytes = value.slice();
  }
  if (bytes.length !== 32) throw new RangeError(`${what} must be 32 bytes, got ${bytes.length}`);
  return bytes;
}
