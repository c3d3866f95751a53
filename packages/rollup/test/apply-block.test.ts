import { classifyFailure } from "@paas/core";
import { describe, expect, it } from "vitest";
import {
  applyBlock,
  type BlockCheck,
  BlockRejectedError,
  bodyRootOf,
  buildNextBlock,
  type ExecSegment,
  headerStateRoot,
  type L2BlockHeader,
  nextChainstate,
  type SignedL2Block,
  signBlock,
  verifyBlockSignature,
  zeroHash,
} from "../src/index.js";
import { buildChain, execBlock, OTHER_KEY, PARAMS, SEQUENCER_KEY } from "./fixtures.js";

const chain = buildChain(10);
const SLOT = 6;
const pre = chain.chainstates[SLOT - 1]!;
const good = chain.built[SLOT - 1]!.block;
const proven = chain.execBlocks[SLOT - 1]!;

interface Forgery {
  readonly header?: Partial<L2BlockHeader>;
  readonly segment?: Partial<ExecSegment>;
  /** Keep the header's body root as is (default: recomputed, so only the intended check fails). */
  readonly keepBodyRoot?: boolean;
  readonly key?: Uint8Array;
}

/** A variant of the good block at SLOT, re-signed and re-rooted so that only the edited rule is broken. */
function forge({
  header = {},
  segment = {},
  keepBodyRoot = false,
  key = SEQUENCER_KEY,
}: Forgery): SignedL2Block {
  const body = { execSegment: { ...good.body.execSegment, ...segment } };
  const draft: L2BlockHeader = { ...good.header, ...header };
  const bodyRoot = header.bodyRoot ?? (keepBodyRoot ? draft.bodyRoot : bodyRootOf(body));
  const stateRoot = header.stateRoot ?? headerStateRoot(nextChainstate(draft, body, zeroHash()));
  const forged = { ...draft, bodyRoot, stateRoot };
  return { header: forged, body, signature: signBlock(forged, key, PARAMS) };
}

function rejection(block: SignedL2Block, options = { provenExecBlock: proven }): BlockRejectedError {
  try {
    applyBlock(pre, block, PARAMS, options);
  } catch (error) {
    if (error instanceof BlockRejectedError) return error;
    throw error;
  }
  throw new Error("the block was accepted");
}

describe("applyBlock", () => {
  it("accepts every block the sequencer built, across epochs, reaching the same chainstates", () => {
    let state = chain.genesis;
    chain.built.forEach(({ block }, i) => {
      state = applyBlock(state, block, PARAMS, { provenExecBlock: chain.execBlocks[i] });
      expect(state).toEqual(chain.chainstates[i + 1]);
    });
    expect(state).toMatchObject({ slot: 10, epoch: 2, execTip: { number: 10 } });
  });

  it("accepts a block without a proven EL block, checking continuity only", () => {
    expect(applyBlock(pre, good, PARAMS)).toEqual(chain.chainstates[SLOT]);
  });

  it("builds the same chain every time (deterministic signatures)", () => {
    expect(buildChain(10).built.map((b) => b.blockId)).toEqual(chain.built.map((b) => b.blockId));
  });

  const cases: [string, () => SignedL2Block, BlockCheck, RegExp, { provenExecBlock?: typeof proven }?][] = [
    [
      "a corrupted signature",
      () => ({ ...good, signature: good.signature.map((b, i) => (i === 10 ? b ^ 1 : b)) }),
      "SIGNATURE",
      /signature does not verify under sequencer key 0x/,
    ],
    ["another key's signature", () => forge({ key: OTHER_KEY }), "SIGNATURE", /does not verify/],
    [
      "a signature from another chain id",
      () => ({ ...good, signature: signBlock(good.header, SEQUENCER_KEY, { chainId: 1 }) }),
      "SIGNATURE",
      /does not verify/,
    ],
    [
      "a wrong parent",
      () => forge({ header: { parentId: chain.built[3]!.blockId } }),
      "PARENT",
      /is not the tip .* \(slot 5\)/,
    ],
    [
      "a skipped slot",
      () => forge({ header: { slot: SLOT + 1, epoch: 1 } }),
      "SLOT",
      /expected slot 6 after the tip at slot 5/,
    ],
    ["a repeated slot", () => forge({ header: { slot: SLOT - 1 } }), "SLOT", /expected slot 6/],
    [
      "a wrong epoch",
      () => forge({ header: { epoch: 0 } }),
      "EPOCH",
      /header says epoch 0, slot 6 is in epoch 1/,
    ],
    [
      "a body that does not match the body root",
      () => forge({ segment: { elStateRoot: new Uint8Array(32).fill(0x99) }, keepBodyRoot: true }),
      "BODY_ROOT",
      /header body root 0x.*, body hashes to 0x/,
    ],
    [
      "an exec segment that skips an EL block",
      () => forge({ segment: { elBlockNumber: 7 } }),
      "EXEC_CONTINUITY",
      /exec segment carries EL block 7, expected 6 after the exec tip/,
    ],
    [
      "an exec segment other than the proven EL block",
      () => forge({ segment: { elStateRoot: new Uint8Array(32).fill(0x99) } }),
      "EXEC_SEGMENT",
      /exec segment differs from the proven EL block: state root 0x9999.* vs proven 0x5e/,
    ],
    [
      "a proven EL block that does not extend the exec tip",
      () => good,
      "EXEC_CONTINUITY",
      /proven EL block 6 extends 0x0000.*, not the exec tip/,
      { provenExecBlock: { ...proven, parentHash: zeroHash() } },
    ],
    [
      "a state root the block does not produce",
      () => forge({ header: { stateRoot: new Uint8Array(32).fill(0x42) } }),
      "STATE_ROOT",
      /header state root 0x4242.*, the block produces 0x/,
    ],
  ];

  it.each(cases)("rejects %s, naming the slot and the check", (_name, make, check, detail, options) => {
    const error = rejection(make(), { provenExecBlock: proven, ...options });
    expect(error.check).toBe(check);
    expect(error.slot).toBe(make().header.slot);
    expect(error.message).toMatch(
      new RegExp(`^block at slot ${make().header.slot} rejected by the ${check} check: `),
    );
    expect(error.message).toMatch(detail);
    expect(classifyFailure(error)).toBe("permanent");
  });

  it("verifies signatures without throwing on malformed ones", () => {
    expect(verifyBlockSignature(good, PARAMS)).toBe(true);
    expect(verifyBlockSignature({ ...good, signature: new Uint8Array(3) }, PARAMS)).toBe(false);
  });
});

describe("buildNextBlock", () => {
  it("refuses to sign with a key other than the params' sequencer key", () => {
    const exec = chain.execBlocks[SLOT - 1]!;
    expect(() => buildNextBlock(pre, exec, PARAMS, { timestamp: 1, secretKey: OTHER_KEY })).toThrow(
      expect.objectContaining({ check: "SIGNATURE", slot: SLOT }),
    );
  });

  it("refuses an EL block that does not extend the exec tip", () => {
    const stray = execBlock(SLOT, new Uint8Array(32).fill(0x77));
    expect(() => buildNextBlock(pre, stray, PARAMS, { timestamp: 1, secretKey: SEQUENCER_KEY })).toThrow(
      expect.objectContaining({ check: "EXEC_CONTINUITY" }),
    );
  });

  it("links each block to the previous one and signs it", () => {
    const [first, second] = chain.built;
    expect(second!.block.header.parentId).toEqual(first!.blockId);
    expect(verifyBlockSignature(second!.block, PARAMS)).toBe(true);
  });
});
