import { expect, it } from "vitest";
import { nearestName } from "../src/index.js";

const KEYS = ["interval_ms", "window", "horizon", "slots_per_epoch", "max_retries", "max_delay_ms", "port"];

it("guesses the key a mistyped one meant: a letter off or swapped, a unit left out, camelCase", () => {
  expect(nearestName("intervl_ms", KEYS)).toBe("interval_ms");
  expect(nearestName("widnow", KEYS)).toBe("window");
  expect(nearestName("prot", KEYS)).toBe("port");
  expect(nearestName("interval", KEYS)).toBe("interval_ms");
  expect(nearestName("slotsPerEpoch", KEYS)).toBe("slots_per_epoch");
});

it("does not guess when nothing is near, when the name is too short to tell, or when two are as near", () => {
  expect(nearestName("colour", KEYS)).toBeUndefined();
  // Two edits would turn any two-letter name into another.
  expect(nearestName("pt", KEYS)).toBeUndefined();
  expect(nearestName("max", KEYS)).toBeUndefined();
  expect(nearestName("port", [])).toBeUndefined();
});
