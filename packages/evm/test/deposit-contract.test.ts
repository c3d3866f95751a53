import { beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltBlock,
  createCommon,
  devnetChainSpec,
  ExecutionChain,
  executeBlocksStatelessly,
  type Hex,
} from "../src/index.js";
import { ALICE_KEY, mixedGenesisAlloc, Sender } from "../src/testing/index.js";
import { failure } from "./run-failure.js";

const DEPOSIT_CONTRACT: Hex = "0x0000000000000000000000000000000000006110";
const ZERO_ADDRESS: Hex = `0x${"00".repeat(20)}`;
/** keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)"), what EIP-6110 reads deposits by. */
const DEPOSIT_TOPIC = "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5";

/** A deposit contract's log data: the ABI encoding of (pubkey, withdrawal credentials, amount, signature, index). */
function depositLogData(): string {
  const word = (value: number) => value.toString(16).padStart(64, "0");
  const field = (size: number, byte: string) =>
    word(size) + byte.repeat(size).padEnd(Math.ceil(size / 32) * 64, "0");
  const head = [0xa0, 0x100, 0x140, 0x180, 0x200].map(word).join("");
  return head + field(48, "11") + field(32, "22") + field(8, "33") + field(96, "44") + field(8, "00");
}

/** Runtime code logging one deposit event per call: CODECOPY the data after the code, LOG1 it. */
function depositLogger(): Hex {
  const data = depositLogData();
  const size = (data.length / 2).toString(16).padStart(4, "0");
  // 61 size 61 0031 6000 39 | 7f topic | 61 size 6000 a1 | 00 | data (at offset 0x31 = 49)
  return `0x61${size}6100316000397f${DEPOSIT_TOPIC}61${size}6000a100${data}`;
}

describe("a chain whose deposit contract the spec names (EIP-6110)", () => {
  const spec = { ...devnetChainSpec(), depositContractAddress: DEPOSIT_CONTRACT };
  let block: BuiltBlock;
  beforeAll(async () => {
    const common = createCommon(spec);
    const chain = await ExecutionChain.create({
      common,
      alloc: { ...mixedGenesisAlloc(), [DEPOSIT_CONTRACT]: { code: depositLogger() } },
    });
    block = await chain.buildBlock([new Sender(common, ALICE_KEY).call(DEPOSIT_CONTRACT, "")]);
  });

  it("is proven under its spec", async () => {
    const [commitment] = await executeBlocksStatelessly({
      common: createCommon(spec),
      blocks: [block.rlp],
      witnesses: [block.witness],
    });
    expect(commitment!.stateRoot).toBe(block.stateRoot);
  });

  it("is refused under a spec with another deposit contract, the error naming the setting", async () => {
    const error = await failure(
      executeBlocksStatelessly({
        common: createCommon({ ...spec, depositContractAddress: ZERO_ADDRESS }),
        blocks: [block.rlp],
        witnesses: [block.witness],
      }),
    );
    expect(error.code).toBe("REQUESTS_HASH_MISMATCH");
    expect(error.message).toMatch(
      new RegExp(
        "^block 1: requests hash check failed: computed 0x[0-9a-f]{64}, header has 0x[0-9a-f]{64}; " +
          `the block has deposit events of ${DEPOSIT_CONTRACT}, but the chain spec's depositContractAddress is ${ZERO_ADDRESS}: ` +
          "is it the chain's\\?$",
      ),
    );
  });
});
