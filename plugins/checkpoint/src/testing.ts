/**
 * Test utilities of the checkpoint plugin, for its tests and for yours. `TestCl` is a CL for tests:
 * a real chain built by the rollup's sequencer rules that grows epoch by epoch on demand, served over
 * `@paas/testing`'s stub JSON-RPC node (`createStubRpc`) with the CL protocol's JSON forms, with
 * switches for outages, delays and refused submissions, and a checkpoint acceptance rule like the
 * devnet's (the receipt verifies against the trusted key and the checkpoint program id, and commits
 * exactly the CL's own `BatchTransition`, its params root included). `clStfStandIn` stands in for the
 * CL STF plugin in `createPluginHarness`: its receipts commit the real `ClStfOutput` of that chain,
 * or a forger's. `memoryLogger` is a `LOGGER` that keeps its lines.
 *
 * Exported as `@paas/plugin-checkpoint/testing`, never from the main entry: @paas/testing is an
 * optional peer dependency, which only users of this subpath install.
 */
import { PermanentError, type PluginLogger, type ProofContext } from "@paas/core";
import {
  applyBlockRange,
  type BatchInfo,
  BatchInfoJson,
  type BatchTransition,
  BatchTransitionSsz,
  batchInfoForCheckpoint,
  buildGenesis,
  buildNextBlock,
  bytesEqual,
  type Chainstate,
  ChainstateJson,
  CL_STF,
  ClClient,
  ClErrorCode,
  ClStfContextSchema,
  type ClStfOutput,
  ClStfOutputSsz,
  type EvmBlockCommitment,
  expectedBatchTransition,
  fromHex,
  type RollupParams,
  RollupParamsJson,
  type SignedL2Block,
  sequencerPublicKey,
  shortHex,
  signBlock,
  toHex,
} from "@paas/rollup";
import { createStubRpc, type StandIn, type StubRpc } from "@paas/testing";
import { decodeReceipt, verifyReceipt } from "@paas/zkvm";
import { checkpointProgram } from "./program.js";

/** A JSON-RPC error code clients treat as transient (the repository's TRANSIENT_FAILURE). */
const TRANSIENT_RPC_ERROR = -32000;
const SEQUENCER_KEY = new Uint8Array(32).fill(7);
/** Someone else's key: they re-sign the chain's blocks with it and name it in their own params. */
const FORGER_KEY = new Uint8Array(32).fill(8);

export interface Submission {
  readonly index: number;
  readonly outcome: "accepted" | "already-proven" | "rejected";
  readonly reason?: string;
}

export class TestCl {
  readonly params: RollupParams;
  /** chainstates[s]: the chainstate after slot s (0 = genesis). */
  readonly chainstates: Chainstate[];
  readonly blockIds: Uint8Array[];
  /** blocks[s - 1]: the signed block of slot s. */
  readonly blocks: SignedL2Block[] = [];
  /** execBlocks[n - 1]: the EL block n the block of slot n carries. */
  readonly execBlocks: EvmBlockCommitment[] = [];
  /** The params a forger proves the chain's re-signed blocks under: FORGER_KEY instead of the sequencer's. */
  readonly forgerParams: RollupParams;
  readonly submissions: Submission[] = [];
  readonly proven = new Set<number>();
  /** The prover key the CL trusts; until set, every proof is rejected. */
  trustedKey: Uint8Array | undefined;
  /** Forces a rejection of checkpoint `index` with this reason. */
  rejectWith: ((index: number) => string | undefined) | undefined;
  /** While true, every method answers a transient JSON-RPC error (the CL is "down"). */
  down = false;
  /**
   * While true (or true for the checkpoint), submissions answer a transient JSON-RPC error (the
   * CL cannot take proofs now).
   */
  refuseSubmissions: boolean | ((index: number) => boolean) = false;
  /** Delays every answer by this many milliseconds, or each method's by what it gives. */
  delayMs: number | ((method: string) => number) = 0;
  /**
   * What `cl_getCheckpointInfo` answers instead of the batch the epoch rule gives (a faulty CL):
   * called with the index and that batch.
   */
  batchInfoOf: ((index: number, batch: BatchInfo) => BatchInfo) | undefined;
  /** Requests received (counted on arrival, unlike `stub.calls`, which records answered ones). */
  received = 0;
  private epochs = 0;
  private execParent: Uint8Array;

  private constructor(
    readonly stub: StubRpc,
    slotsPerEpoch: number,
  ) {
    this.params = {
      chainId: 1337,
      elChainSpecHash: new Uint8Array(32).fill(3),
      sequencerPublicKey: sequencerPublicKey(SEQUENCER_KEY),
      slotsPerEpoch,
      genesis: {
        timestamp: 1_700_000_000,
        execBlock: { number: 0, hash: new Uint8Array(32).fill(1), stateRoot: new Uint8Array(32).fill(2) },
      },
    };
    this.forgerParams = { ...this.params, sequencerPublicKey: sequencerPublicKey(FORGER_KEY) };
    const genesis = buildGenesis(this.params);
    this.chainstates = [genesis.chainstate];
    this.blockIds = [genesis.blockId];
    this.execParent = this.params.genesis.execBlock.hash;
  }

  static async start(options: { slotsPerEpoch: number; epochs: number }): Promise<TestCl> {
    const stub = await createStubRpc({});
    const cl = new TestCl(stub, options.slotsPerEpoch);
    cl.install();
    cl.grow(options.epochs);
    return cl;
  }

  get url(): string {
    return this.stub.url;
  }

  /** A client of this CL, with a short timeout. */
  client(timeoutMs = 2_000): ClClient {
    return new ClClient({ url: this.url, timeoutMs });
  }

  /** Closes `epochs` more epochs (produces their blocks). */
  grow(epochs: number): void {
    const target = (this.epochs + epochs) * this.params.slotsPerEpoch;
    for (let slot = this.chainstates.length; slot <= target; slot++) {
      const exec = execBlock(slot, this.execParent);
      const built = buildNextBlock(this.chainstates.at(-1)!, exec, this.params, {
        timestamp: this.params.genesis.timestamp + slot * 2,
        secretKey: SEQUENCER_KEY,
      });
      this.chainstates.push(built.chainstate);
      this.blockIds.push(built.blockId);
      this.blocks.push(built.block);
      this.execBlocks.push(exec);
      this.execParent = exec.hash;
    }
    this.epochs += epochs;
  }

  /**
   * Reorganises the chain from `slot` on: its blocks and every later one are replaced by blocks
   * carrying the same EL blocks a second later, so their ids and chainstate roots change while
   * the epochs stay as they were. The checkpoints whose range ends at `slot` or later lose their
   * proofs, as a CL's do when it replaces the blocks they were of: the CL lists them unproven again.
   */
  reorg(slot: number): void {
    if (slot < 1 || slot >= this.chainstates.length)
      throw new RangeError(`no slot ${slot} to reorganise from`);
    const execBlocks = this.execBlocks.slice(slot - 1);
    this.chainstates.length = slot;
    this.blockIds.length = slot;
    this.blocks.length = slot - 1;
    this.execBlocks.length = slot - 1;
    for (const [i, exec] of execBlocks.entries()) {
      const built = buildNextBlock(this.chainstates.at(-1)!, exec, this.params, {
        timestamp: this.params.genesis.timestamp + (slot + i) * 2 + 1,
        secretKey: SEQUENCER_KEY,
      });
      this.chainstates.push(built.chainstate);
      this.blockIds.push(built.blockId);
      this.blocks.push(built.block);
      this.execBlocks.push(exec);
    }
    for (const index of [...this.proven]) {
      if (batchInfoForCheckpoint(index, this.params).l2Range.end >= slot) this.proven.delete(index);
    }
  }

  get latest(): number | null {
    return this.epochs === 0 ? null : this.epochs - 1;
  }

  get nextUnproven(): number | null {
    for (let i = 0; i < this.epochs; i++) if (!this.proven.has(i)) return i;
    return null;
  }

  expected(index: number): BatchTransition {
    const batch = batchInfoForCheckpoint(index, this.params);
    const { start, end } = batch.l2Range;
    return expectedBatchTransition(batch, this.chainstates[start - 1]!, this.chainstates[end]!, this.params);
  }

  /**
   * The CL STF output of slots `start..end` (one epoch), as the CL STF guest commits it: the rollup's
   * `applyBlockRange` of the chain's blocks under the chain's params.
   */
  clStfOutput(start: number, end: number): ClStfOutput {
    return this.applyRange(start, end, this.blocks.slice(start - 1, end), this.params);
  }

  /**
   * What a CL STF proof of slots `start..end` commits when someone re-signs the chain's blocks with
   * their own key and passes params naming it: every block check passes, the chainstate roots are
   * the real ones (block ids hash headers, not signatures), the params root is theirs.
   */
  forgedClStfOutput(start: number, end: number): ClStfOutput {
    const resigned = this.blocks
      .slice(start - 1, end)
      .map((block) => ({ ...block, signature: signBlock(block.header, FORGER_KEY, this.forgerParams) }));
    return this.applyRange(start, end, resigned, this.forgerParams);
  }

  private applyRange(start: number, end: number, blocks: SignedL2Block[], params: RollupParams): ClStfOutput {
    if (start < 1 || end >= this.chainstates.length) throw new RangeError(`no slots ${start}..${end}`);
    return applyBlockRange(this.chainstates[start - 1]!, blocks, params, this.execBlocks).output;
  }

  /** Indices whose submissions were answered with `outcome`, in order. */
  answered(outcome: Submission["outcome"]): number[] {
    return this.submissions.filter((s) => s.outcome === outcome).map((s) => s.index);
  }

  close(): Promise<void> {
    return this.stub.close();
  }

  private install(): void {
    const handle = (method: string, handler: (params: unknown) => unknown) =>
      this.stub.handle(method, async (params) => {
        this.received++;
        const delayMs = typeof this.delayMs === "function" ? this.delayMs(method) : this.delayMs;
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const refused =
          this.down || (method === "cl_submitCheckpointProof" && this.refusesSubmission(params));
        if (refused) throw Object.assign(new Error("the CL is down"), { code: TRANSIENT_RPC_ERROR });
        return handler(params);
      });
    const notFound = (what: string) =>
      Object.assign(new Error(`${what} not found`), { code: ClErrorCode.NOT_FOUND });
    const checkpoint = (index: unknown) => {
      if (typeof index !== "number" || this.latest === null || index > this.latest)
        throw notFound(`checkpoint ${index}`);
      return index;
    };
    handle("cl_getLatestCheckpointIndex", () => this.latest);
    handle("cl_getRollupParams", () => RollupParamsJson.encode(this.params));
    handle("cl_getNextUnprovenCheckpointIndex", () => this.nextUnproven);
    handle("cl_getCheckpointInfo", (params) => {
      const index = checkpoint((params as unknown[])[0]);
      const batch = batchInfoForCheckpoint(index, this.params);
      return BatchInfoJson.encode(this.batchInfoOf?.(index, batch) ?? batch);
    });
    handle("cl_getChainstate", (params) => {
      const slot = (params as number[])[0]!;
      const chainstate = this.chainstates[slot];
      if (chainstate === undefined) throw notFound(`slot ${slot}`);
      return ChainstateJson.encode(chainstate);
    });
    handle("cl_getCheckpointStatus", (params) => {
      const index = checkpoint((params as unknown[])[0]);
      return { index, status: this.proven.has(index) ? "proven" : "unproven" };
    });
    handle("cl_submitCheckpointProof", (params) => {
      const [rawIndex, hex] = params as [unknown, string];
      const index = checkpoint(rawIndex);
      const reason = this.judge(index, fromHex(hex));
      if (reason !== undefined) {
        this.submissions.push({ index, outcome: "rejected", reason });
        throw Object.assign(new Error(`checkpoint ${index}: invalid proof: ${reason}`), {
          code: ClErrorCode.INVALID_PROOF,
          data: { index, reason },
        });
      }
      const outcome = this.proven.has(index) ? "already-proven" : "accepted";
      this.proven.add(index);
      this.submissions.push({ index, outcome });
      return { index, outcome };
    });
  }

  private refusesSubmission(params: unknown): boolean {
    const refuse = this.refuseSubmissions;
    return typeof refuse === "function" ? refuse((params as unknown[])[0] as number) : refuse;
  }

  private judge(index: number, bytes: Uint8Array): string | undefined {
    const forced = this.rejectWith?.(index);
    if (forced !== undefined) return forced;
    if (this.trustedKey === undefined) return "no trusted prover key configured";
    try {
      const receipt = decodeReceipt(bytes);
      verifyReceipt(receipt, { publicKey: this.trustedKey, programId: checkpointProgram.programId });
      const expected = this.expected(index);
      if (toHex(receipt.publicValues) === toHex(BatchTransitionSsz.serialize(expected))) return undefined;
      return `the proven transition differs from the CL's${differences(receipt.publicValues, expected)}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

/** ": params root 0x…, expected 0x…; …" for the fields that differ, when the bytes are a BatchTransition. */
function differences(publicValues: Uint8Array, expected: BatchTransition): string {
  if (publicValues.length !== BatchTransitionSsz.fixedSize) return "";
  const claimed = BatchTransitionSsz.deserialize(publicValues);
  const roots = [
    ["pre-state root", "preStateRoot"],
    ["post-state root", "postStateRoot"],
    ["params root", "paramsRoot"],
  ] as const;
  const found = [
    claimed.index !== expected.index && `index ${claimed.index}, expected ${expected.index}`,
    claimed.epoch !== expected.epoch && `epoch ${claimed.epoch}, expected ${expected.epoch}`,
    ...roots.map(
      ([name, key]) =>
        !bytesEqual(claimed[key], expected[key]) &&
        `${name} ${shortHex(claimed[key])}, expected ${shortHex(expected[key])}`,
    ),
  ].filter((text): text is string => typeof text === "string");
  return found.length === 0 ? "" : `: ${found.join("; ")}`;
}

function execBlock(number: number, parentHash: Uint8Array): EvmBlockCommitment {
  return {
    number,
    hash: new Uint8Array(32).fill(number % 256).map((b, i) => (i === 0 ? 0xee : b)),
    parentHash,
    stateRoot: new Uint8Array(32).fill((number * 7) % 256).map((b, i) => (i === 0 ? 0x5e : b)),
  };
}

/**
 * The CL STF stand-in: its receipts commit the real `ClStfOutput` (SSZ) of the context's slots on
 * `cl`'s chain, after checking the context names the chain's blocks. `tamper` may change an output
 * (e.g. replace it with `cl.forgedClStfOutput` of the same slots).
 */
export function clStfStandIn(
  cl: TestCl,
  tamper?: (output: ClStfOutput, cl: TestCl) => ClStfOutput,
): StandIn & { contexts: ProofContext[] } {
  const contexts: ProofContext[] = [];
  return {
    kind: CL_STF.kind,
    program: CL_STF.program,
    contexts,
    parseContext: (raw) => ClStfContextSchema.parse(raw) as ProofContext,
    publicValues(raw) {
      const context = ClStfContextSchema.parse(raw);
      contexts.push(raw);
      for (const end of [context.start, context.end]) {
        const id = cl.blockIds[end.slot];
        if (id === undefined || toHex(id) !== end.blockId)
          throw new PermanentError(
            `stand-in: block ${end.blockId} is not the chain's block at slot ${end.slot}`,
          );
      }
      const output = cl.clStfOutput(context.start.slot, context.end.slot);
      return ClStfOutputSsz.serialize(tamper ? tamper(output, cl) : output);
    },
  };
}

/** One line a `memoryLogger` was told. */
export interface LoggedLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A logger (for the `LOGGER` token) that keeps what it is told, in order, in `lines`. */
export function memoryLogger(): PluginLogger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: LoggedLine["level"]) => (fields: object, message: string) => {
    lines.push({ level, message, fields: fields as Record<string, unknown> });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
