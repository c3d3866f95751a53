/**
 * The dashboard's durations (attempt times, proving percentiles, ages): rounded before split into
 * units, in days and hours past a day; its counts, digits grouped by the reader's language.
 */
import { expect, it } from "vitest";
import { formatCount, formatDuration } from "../../dashboard/src/format.js";

it.each([
  [undefined, "—"],
  [Number.NaN, "—"],
  [999.4, "999 ms"],
  [999.6, "1.0 s"],
  [59_940, "59.9 s"],
  [59_960, "1 min 0 s"],
  [119_600, "2 min 0 s"],
  [3_599_600, "1 h 0 min"],
  [7_170_000, "2 h 0 min"],
  [5_400_000, "1 h 30 min"],
  [86_369_000, "23 h 59 min"],
  [86_371_000, "1 d 0 h"],
  [273_600_000, "3 d 4 h"],
  [30 * 86_400_000, "30 d 0 h"],
])("formats %s ms as %s", (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

it.each([
  [0, "en-US", "0"],
  [999, "en-US", "999"],
  [1_234_567, "en-US", "1,234,567"],
  [1_234_567, "de-DE", "1.234.567"],
])("groups the digits of %s in %s as %s", (n, locale, text) => {
  expect(formatCount(n, locale)).toBe(text);
});
