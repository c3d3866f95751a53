import { InvalidConfigError, InvalidContextError, PermanentError } from "@paas/core";
import { CL_STF, EVM_EE_STF, toHex } from "@paas/rollup";
import { describe, expect, it } from "vitest";
import {
  epochCrossing,
  evmEeStfContextFor,
  MAX_BLOCKS_PER_PROOF,
  parseClStfContext,
  parseClStfSettings,
} from "../src/index.js";
import { buildTestChain, contextFor } from "../src/testing.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });
const ID = `0x${"ab".repeat(32)}`;
const context = (start: number, end: number) => ({
  kind: CL_STF.kind,
  start: { slot: start, blockId: ID },
  end: { slot: end, blockId: ID },
});

function refusal(raw: unknown, slotsPerEpoch?: number): string {
  try {
    parseClStfContext(raw as never, slotsPerEpoch);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidContextError);
    return (error as Error).message;
  }
  throw new Error("the context was accepted");
}

describe("parseContext", () => {
  it("accepts a range and normalises its ids to lower-case hex", () => {
    const raw = { ...context(9, 16), end: { slot: 16, blockId: `0x${"AB".repeat(32)}` } };
    expect(parseClStfContext(raw)).toEqual(context(9, 16));
    expect(parseClStfContext(contextFor(chain, 3, 3))).toEqual(contextFor(chain, 3, 3));
  });

  it.each([
    ["a missing end", { kind: CL_STF.kind, start: { slot: 1, blockId: ID } }, /→ at end$/],
    [
      "a short block id",
      { ...context(1, 2), start: { slot: 1, blockId: "0x1234" } },
      /expected 0x-prefixed hex of 32 bytes.*\n {2}→ at start\.blockId/,
    ],
    ["a fractional slot", { ...context(1, 2), end: { slot: 2.5, blockId: ID } }, /→ at end\.slot/],
    ["a negative slot", { ...context(1, 2), start: { slot: -1, blockId: ID } }, /→ at start\.slot/],
    [
      "an unknown field",
      { ...context(1, 2), epoch: 0 },
      /^invalid cl-stf context: ✖ Unrecognized key: "epoch"/,
    ],
    ["another kind", { ...context(1, 2), kind: "checkpoint" }, /→ at kind/],
    ["start after end", context(5, 4), /start\.slot must not exceed end\.slot\n {2}→ at end\.slot/],
    ["the genesis slot", context(0, 3), /start\.slot: slot 0 is the genesis block/],
    [
      // One slot, one block: a second id can never match, and the task would wait for it as a reorg.
      "one slot named by two block ids",
      { ...context(9, 9), end: { slot: 9, blockId: `0x${"cd".repeat(32)}` } },
      /^invalid cl-stf context: end\.blockId: the range is the one slot 9, whose block start\.blockId names 0xabab.*ab; end\.blockId names another, 0xcdcd.*cd$/,
    ],
    [
      "too many blocks",
      context(1, MAX_BLOCKS_PER_PROOF + 1),
      /end\.slot: the range 1\.\.65537 has 65537 blocks, at most 65536/,
    ],
  ])("refuses %s, naming the field", (_what, raw, message) => {
    expect(refusal(raw)).toMatch(message);
  });

  it("refuses a range crossing an epoch boundary when slots_per_epoch is configured", () => {
    expect(refusal(context(8, 9), 8)).toBe(
      "invalid cl-stf context: end.slot: the range 8..9 crosses an epoch boundary: slot 8 is in epoch 0 (slots 1..8), slot 9 in epoch 1 (slots 9..16) (8 slots per epoch by plugin_settings.cl-stf.slots_per_epoch, which must be the CL's); a CL STF proof covers slots of one epoch",
    );
    expect(refusal(context(3, 30), 8)).toMatch(
      /slot 3 is in epoch 0 \(slots 1\.\.8\), slot 30 in epoch 3 \(slots 25\.\.32\)/,
    );
    expect(parseClStfContext(context(1, 8), 8)).toEqual(context(1, 8));
    expect(parseClStfContext(context(9, 16), 8)).toEqual(context(9, 16));
    // Without the setting, parseContext cannot know; dependency resolution refuses it (see prove.test.ts).
    expect(parseClStfContext(context(8, 9))).toEqual(context(8, 9));
  });
});

describe("the epoch rule", () => {
  it("follows the rollup's: slot 0 is genesis, epoch e covers e*S+1..(e+1)*S", () => {
    const params = { slotsPerEpoch: 4 };
    expect(epochCrossing(1, 4, params)).toBeUndefined();
    expect(epochCrossing(5, 8, params)).toBeUndefined();
    expect(epochCrossing(4, 5, params)).toMatch(/slot 4 is in epoch 0 \(slots 1\.\.4\), slot 5 in epoch 1/);
    expect(epochCrossing(7, 7, { slotsPerEpoch: 1 })).toBeUndefined();
  });
});

describe("the EVM EE STF dependency", () => {
  it("covers exactly the EL blocks the range's exec segments carry", () => {
    expect(evmEeStfContextFor(chain.blocks.slice(8, 16))).toEqual({
      kind: EVM_EE_STF.kind,
      start: { number: 9, hash: toHex(chain.elBlocks[9]!.hash) },
      end: { number: 16, hash: toHex(chain.elBlocks[16]!.hash) },
    });
    expect(evmEeStfContextFor(chain.blocks.slice(2, 3))).toMatchObject({
      start: { number: 3 },
      end: { number: 3 },
    });
  });

  it("refuses blocks whose last EL block comes before the first", () => {
    const reversed = [chain.blocks[5]!, chain.blocks[2]!];
    expect(() => evmEeStfContextFor(reversed)).toThrow(PermanentError);
    expect(() => evmEeStfContextFor(reversed)).toThrow(/carries EL block 3, before EL block 6/);
  });

  it("refuses blocks whose EL blocks are not consecutive (a gap or a repeat), naming the slot", () => {
    // The EVM EE STF proof would cover a span the range does not carry (proven for nothing, or
    // refused for its length by max_blocks); the guest would reject the range at that slot anyway.
    const gap = [chain.blocks[8]!, chain.blocks[9]!, chain.blocks[11]!];
    expect(() => evmEeStfContextFor(gap)).toThrow(PermanentError);
    expect(() => evmEeStfContextFor(gap)).toThrow(
      "the block at slot 12 carries EL block 12, not EL block 11 after EL block 10 carried at slot 10: the range's EL blocks are not consecutive",
    );
    const repeat = [chain.blocks[8]!, chain.blocks[9]!, chain.blocks[9]!];
    expect(() => evmEeStfContextFor(repeat)).toThrow(
      "the block at slot 10 carries EL block 10, not EL block 11 after EL block 10 carried at slot 10: the range's EL blocks are not consecutive",
    );
  });
});

describe("settings", () => {
  it("are optional", () => {
    expect(parseClStfSettings({})).toEqual({ horizon: 4 });
    expect(parseClStfSettings(undefined)).toEqual({ horizon: 4 });
    expect(parseClStfSettings({ slots_per_epoch: 32, horizon: 0 })).toEqual({
      slotsPerEpoch: 32,
      horizon: 0,
    });
  });

  it.each([
    [{ slots_per_epoch: 0 }, /^plugin_settings\.cl-stf: ✖ Too small.*\n {2}→ at slots_per_epoch$/],
    [{ slots_per_epoch: "8" }, /→ at slots_per_epoch/],
    [
      { defaultBackend: "native" },
      /no longer a setting: .*\[kinds\.cl-stf\] backend.*\n {2}→ at defaultBackend/,
    ],
    // The old camel-case key is refused by name, with the key that replaced it: it no longer means anything.
    [
      { slotsPerEpoch: 8 },
      /^plugin_settings\.cl-stf: ✖ Unrecognized key: "slotsPerEpoch" \(did you mean "slots_per_epoch"\?\)$/,
    ],
  ])("refuses %j, naming the key", (raw, message) => {
    expect(() => parseClStfSettings(raw)).toThrow(InvalidConfigError);
    expect(() => parseClStfSettings(raw)).toThrow(message);
  });
});
