import { InvalidArgumentError } from "commander";
import { formatDuration, parseDuration } from "./duration.js";

/** A flag's whole number of at least `min`; anything else is refused naming the flag. */
export function integer(flag: string, min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min) {
      throw new InvalidArgumentError(`${flag} must be an integer of at least ${min}, got "${value}"`);
    }
    return parsed;
  };
}

/** A comma-separated flag's items, trimmed, empty ones dropped. */
export function commaList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A flag's duration (`90s`, `12h`, `7d`) of at least `minMs`, in milliseconds; `why` says why the floor. */
export function durationOfAtLeast(flag: string, minMs: number, why: string): (value: string) => number {
  return (value) => {
    let ms: number;
    try {
      ms = parseDuration(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    if (ms < minMs) {
      throw new InvalidArgumentError(
        `${flag} must be at least ${formatDuration(minMs)} (${why}), got "${value}"`,
      );
    }
    return ms;
  };
}
