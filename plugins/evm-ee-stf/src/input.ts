/**
 * The program's input: the chain spec and, for each block of the range, its RLP and its
 * execution witness (trie nodes, codes, ancestor headers; the `keys` preimages are left out, as
 * execution never reads them). Imported by the program module, so it must stay free of host-side
 * imports (@paas/zkvm, @paas/core).
 */
import { fromHex, toHex } from "@paas/core/contracts";
import type { ChainSpec, ExecutionWitness, Hex } from "@paas/evm/sync";
import { MAX_EVM_BLOCKS_PER_PROOF } from "@paas/rollup/model";
import { type FramedItems, type GuestEnv, InputWriter } from "@paas/zkvm/program";

/** Bumped whenever the layout below changes (it is also the program version's business). */
export const INPUT_FORMAT = 2;

/** A witness as the program takes it: raw bytes, no key preimages. */
export interface WitnessBytes {
  readonly state: readonly Uint8Array[];
  readonly codes: readonly Uint8Array[];
  readonly headers: readonly Uint8Array[];
}

export interface EvmEeStfBlockInput {
  /** The block's RLP encoding. */
  readonly rlp: Uint8Array;
  readonly witness: WitnessBytes;
}

/** A block whose items were encoded as it arrived (see `frameBlockInput`). */
export interface FramedBlockInput {
  readonly framed: FramedItems;
}

export interface EvmEeStfInput {
  /** The rules the blocks follow (see @paas/evm's `parseChainSpec`). */
  readonly chainSpec: ChainSpec;
  /** Consecutive blocks, oldest first. */
  readonly blocks: readonly (EvmEeStfBlockInput | FramedBlockInput)[];
}

/** An input none of whose blocks is framed yet: a test's or a tool's, built from hex. */
export type UnframedEvmEeStfInput = Omit<EvmEeStfInput, "blocks"> & {
  readonly blocks: readonly EvmEeStfBlockInput[];
};

/**
 * Input items: one value `{ format, chainSpec, blocks: count }`, then per block the RLP (a bytes item)
 * and the witness (a value `{ state, codes, headers }` of byte strings). Byte items and byte
 * strings cost their length plus a few bytes; nothing is hex-encoded.
 */
export function writeEvmEeStfInput(input: EvmEeStfInput, writer: InputWriter): void {
  writer.write({ format: INPUT_FORMAT, chainSpec: { ...input.chainSpec }, blocks: input.blocks.length });
  for (const block of input.blocks) {
    if ("framed" in block) writer.writeFramed(block.framed);
    else writeBlock(block, writer);
  }
}

/**
 * Encodes a block's items now, for `writeEvmEeStfInput` to append as they are; the same bytes
 * either way. The fetcher calls it as each block arrives, so a range's encoding (≈ 10 ms for 64
 * blocks) is spread between network waits instead of holding the main thread in one pass before
 * proving. It keeps the encoding only: the witness's items (thousands of small byte views per
 * block, into the EL thread's buffers) can then be collected at once instead of living on the
 * main thread's heap, with their bytes held a second time, until the range is proven.
 */
export function frameBlockInput(block: EvmEeStfBlockInput): FramedBlockInput {
  const writer = new InputWriter();
  writeBlock(block, writer);
  return { framed: writer.framed() };
}

function writeBlock(block: EvmEeStfBlockInput, writer: InputWriter): void {
  writer.writeBytes(block.rlp);
  writer.write({
    state: [...block.witness.state],
    codes: [...block.witness.codes],
    headers: [...block.witness.headers],
  });
}

/** What the guest executes: hex strings, as `executeBlocksStatelesslySync` takes them. */
export interface DecodedInput {
  /** As given: the executor parses it, and refuses one that does not parse. */
  readonly chainSpec: ChainSpec;
  readonly blocks: Hex[];
  readonly witnesses: ExecutionWitness[];
}

/** Reads and checks the items `writeEvmEeStfInput` wrote; throws an Error saying which item is wrong. */
export function readEvmEeStfInput(env: GuestEnv): DecodedInput {
  const head = env.read<unknown>();
  if (!isRecord(head)) throw new Error("input: the first item is not the range header");
  if (head.format !== INPUT_FORMAT) {
    throw new Error(`input: format ${String(head.format)} is not the supported format ${INPUT_FORMAT}`);
  }
  const chainSpec = chainSpecOf(head.chainSpec);
  const count = head.blocks;
  if (
    typeof count !== "number" ||
    !Number.isInteger(count) ||
    count < 1 ||
    count > MAX_EVM_BLOCKS_PER_PROOF
  ) {
    throw new Error(`input: block count ${String(count)} is not between 1 and ${MAX_EVM_BLOCKS_PER_PROOF}`);
  }
  const blocks: Hex[] = [];
  const witnesses: ExecutionWitness[] = [];
  for (let position = 0; position < count; position++) {
    blocks.push(toHex(env.readBytes()));
    const witness = env.read<unknown>();
    const where = `input: witness of block #${position} of the range`;
    if (!isRecord(witness)) throw new Error(`${where} is not an object`);
    witnesses.push({
      state: hexList(witness.state, `${where}: state`),
      codes: hexList(witness.codes, `${where}: codes`),
      keys: [],
      headers: hexList(witness.headers, `${where}: headers`),
    });
  }
  return { chainSpec, blocks, witnesses };
}

/** The shape only: the executor checks the rest (fork names, order) before it executes anything. */
function chainSpecOf(value: unknown): ChainSpec {
  if (!isRecord(value) || typeof value.chainId !== "number" || !Number.isSafeInteger(value.chainId)) {
    throw new Error("input: the chain spec is not an object with a chainId");
  }
  return value as ChainSpec;
}

function hexList(value: unknown, where: string): Hex[] {
  if (!Array.isArray(value)) throw new Error(`${where} is not a list`);
  return value.map((item, index) => {
    if (!(item instanceof Uint8Array)) throw new Error(`${where}[${index}] is not a byte string`);
    return toHex(item);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The program input for blocks given as hex (e.g. an `ExecutionChain`'s blocks and witnesses). */
export function inputFromHex(
  chainSpec: ChainSpec,
  blocks: readonly { readonly rlp: Hex; readonly witness: ExecutionWitness }[],
): UnframedEvmEeStfInput {
  return {
    chainSpec,
    blocks: blocks.map(({ rlp, witness }) => ({
      rlp: fromHex(rlp),
      witness: {
        state: witness.state.map((hex) => fromHex(hex)),
        codes: witness.codes.map((hex) => fromHex(hex)),
        headers: witness.headers.map((hex) => fromHex(hex)),
      },
    })),
  };
}

/** Bytes of a witness as the program takes it (nodes, codes, headers). */
export function witnessBytes(witness: WitnessBytes): number {
  let total = 0;
  for (const list of [witness.state, witness.codes, witness.headers]) {
    for (const item of list) total += item.byteLength;
  }
  return total;
}
