import { randomBytes } from "node:crypto";
import { PermanentError } from "@paas/core";
import { chainSpecHash, devnetChainSpec } from "@paas/evm";
import { buildMixedChain, MIXED_CHAIN_ID, type MixedChain } from "@paas/evm/testing";
import { EVM_EE_STF, EvmEeStfOutputSsz, toHex } from "@paas/rollup";
import { InputWriter, NativeHost, programIdOf } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EvmEeStfInput, evmEeStfProgram, INPUT_FORMAT } from "../src/index.js";
import { frameBlockInput } from "../src/input.js";
import { programInputFor } from "../src/testing.js";

const DEVNET = devnetChainSpec(MIXED_CHAIN_ID);

/** The program on a real native host, with inputs built by hand (no node, no scheduler). */
describe("the EVM EE STF program", () => {
  let chain: MixedChain;
  let host: NativeHost;

  beforeAll(async () => {
    chain = await buildMixedChain();
    host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
  });
  afterAll(async () => {
    await host?.close();
  });

  async function failureOf(input: EvmEeStfInput | Uint8Array): Promise<string> {
    const error = await host.prove(evmEeStfProgram, input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    return (error as Error).message;
  }

  it("has the rollup's EVM EE STF identity", () => {
    expect(evmEeStfProgram).toMatchObject(EVM_EE_STF.program);
    expect(evmEeStfProgram.programId).toEqual(
      programIdOf(EVM_EE_STF.program.name, EVM_EE_STF.program.version),
    );
  });

  it("commits exactly the SSZ of the output, which readOutput decodes", async () => {
    const receipt = await host.prove(evmEeStfProgram, programInputFor(DEVNET, chain.blocks));
    host.verify(receipt, evmEeStfProgram);
    const output = evmEeStfProgram.readOutput(receipt.publicValues);
    expect(EvmEeStfOutputSsz.serialize(output)).toEqual(receipt.publicValues);
    expect(output.chainId).toBe(MIXED_CHAIN_ID);
    expect(toHex(output.chainSpecHash)).toBe(chainSpecHash(DEVNET));
    const { blocks } = output;
    expect(blocks.map((b) => ({ number: b.number, hash: toHex(b.hash) }))).toEqual(
      chain.blocks.map((b) => ({ number: Number(b.block.header.number), hash: b.hash })),
    );
    expect(toHex(blocks[0]!.parentHash)).toBe(toHex(chain.chain.getBlockByNumber(0)!.block.hash()));
    expect(blocks.map((b) => toHex(b.stateRoot))).toEqual(
      chain.blocks.map((b) => toHex(b.block.header.stateRoot)),
    );
  });

  it("writes the same input bytes whether its blocks were framed as they arrived or not", async () => {
    const unframed = programInputFor(DEVNET, chain.blocks);
    const input = {
      ...unframed,
      blocks: unframed.blocks.map((b, i) => (i === 0 || i === 2 ? frameBlockInput(b) : b)),
    };
    const bytesOf = (i: EvmEeStfInput) => {
      const writer = new InputWriter();
      evmEeStfProgram.writeInput(i, writer);
      return writer.toBytes();
    };
    expect(bytesOf(input)).toEqual(bytesOf(unframed));
    const receipt = await host.prove(evmEeStfProgram, input);
    expect(evmEeStfProgram.readOutput(receipt.publicValues).blocks).toHaveLength(chain.blocks.length);
  });

  it("rejects a range whose blocks do not link by parent hash", async () => {
    const [first, , third] = chain.blocks;
    expect(await failureOf(programInputFor(DEVNET, [first!, third!]))).toContain(
      `the guest failed: PARENT_MISMATCH: block 3: parent check failed: parent hash ${chain.blocks[1]!.hash} is not the hash ${first!.hash} of block 1`,
    );
  });

  it("rejects a first block whose parent header is not in the witness", async () => {
    const block = chain.blocks[1]!;
    const input = programInputFor(DEVNET, [{ ...block, witness: { ...block.witness, headers: [] } }]);
    expect(await failureOf(input)).toContain(
      "PARENT_MISMATCH: block 2: parent check failed: no witness header hashes",
    );
  });

  it("rejects blocks executed under other chain rules, and a chain spec that does not parse", async () => {
    const input = programInputFor(devnetChainSpec(7), chain.blocks.slice(0, 1));
    // The transactions are signed for chain 1337 (EIP-155 / typed): they do not decode under chain 7.
    expect(await failureOf(input)).toMatch(
      /the guest failed: INVALID_BLOCK: block #0 of the range: .*chain ID/,
    );
    const unordered = programInputFor({ ...DEVNET, cancunTime: 5 }, chain.blocks.slice(0, 1));
    expect(await failureOf(unordered)).toMatch(
      /the guest failed: INVALID_CHAIN_SPEC: input: chain spec:\n✖ pragueTime = 0 is before cancunTime = 5: forks activate in order\n {2}→ at pragueTime/,
    );
  });

  it("rejects malformed input items, naming them", async () => {
    const rlp = programInputFor(DEVNET, chain.blocks.slice(0, 1)).blocks[0]!.rlp;
    const head = (over: Record<string, unknown> = {}) => ({
      format: INPUT_FORMAT,
      chainSpec: DEVNET,
      blocks: 1,
      ...over,
    });
    const cases: [(writer: InputWriter) => void, string][] = [
      [(w) => w.write(head({ format: 99 })), `input: format 99 is not the supported format ${INPUT_FORMAT}`],
      [(w) => w.write(head({ blocks: 0 })), "input: block count 0 is not between 1 and 65536"],
      [
        (w) => w.write(head({ chainSpec: "mainnet" })),
        "input: the chain spec is not an object with a chainId",
      ],
      [(w) => w.write([1, 2]), "input: the first item is not the range header"],
      [
        (w) => w.write(head()).writeBytes(rlp).write([1]),
        "input: witness of block #0 of the range is not an object",
      ],
      [
        (w) =>
          w
            .write(head())
            .writeBytes(rlp)
            .write({ state: [7], codes: [], headers: [] }),
        "input: witness of block #0 of the range: state[0] is not a byte string",
      ],
    ];
    for (const [write, message] of cases) {
      // The real program (same id and module), with its input items written by hand.
      const program = { ...evmEeStfProgram, writeInput: (_: unknown, writer: InputWriter) => write(writer) };
      const error = await host.prove(program as typeof evmEeStfProgram, null as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, message).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toContain(`the guest failed: ${message}`);
    }
  });
});
