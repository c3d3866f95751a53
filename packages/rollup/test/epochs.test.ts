import { describe, expect, it } from "vitest";
import { batchInfoForCheckpoint, epochOfSlot, epochRange, isLastSlotOfEpoch } from "../src/index.js";

const params = { slotsPerEpoch: 4 };

describe("epoch rule", () => {
  it("puts slots 1..4 in epoch 0, 5..8 in epoch 1, and labels genesis (slot 0) epoch 0", () => {
    expect([0, 1, 2, 3, 4, 5, 8, 9].map((slot) => epochOfSlot(slot, params))).toEqual([
      0, 0, 0, 0, 0, 1, 1, 2,
    ]);
  });

  it("gives each epoch slotsPerEpoch slots, genesis in none", () => {
    expect(epochRange(0, params)).toEqual({ start: 1, end: 4 });
    expect(epochRange(2, params)).toEqual({ start: 9, end: 12 });
    expect(epochRange(0, { slotsPerEpoch: 1 })).toEqual({ start: 1, end: 1 });
  });

  it("closes an epoch at every multiple of slotsPerEpoch, never at genesis", () => {
    expect([0, 3, 4, 5, 8].map((slot) => isLastSlotOfEpoch(slot, params))).toEqual([
      false,
      false,
      true,
      false,
      true,
    ]);
  });

  it("maps checkpoint i to epoch i", () => {
    expect(batchInfoForCheckpoint(3, params)).toEqual({
      index: 3,
      epoch: 3,
      l2Range: { start: 13, end: 16 },
    });
  });

  it("refuses nonsense input", () => {
    expect(() => epochOfSlot(-1, params)).toThrow("slot must be a non-negative safe integer, got -1");
    expect(() => epochOfSlot(1.5, params)).toThrow(RangeError);
    expect(() => epochOfSlot(1, { slotsPerEpoch: 0 })).toThrow(
      "slotsPerEpoch must be a positive integer, got 0",
    );
  });
});
