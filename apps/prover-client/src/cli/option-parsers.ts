import { InvalidArgumentError } from "commander";
import { HOST_NAME_RULE, HOST_NAME_WITHOUT_PORT } from "../config/shared-rules.js";
import { formatDuration, parseDuration } from "./duration.js";

/** A flag's whole number from `min` to `max`; anything else is refused naming the flag. */
export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${flag} must be an integer ${range}, got "${value}"`);
    }
    return parsed;
  };
}

/** A comma-separated list of Host names, each without a port (as `rpc.allowed_hosts`). */
export function hostNames(flag: string): (value: string) => string[] {
  return (value) => {
    const names = commaList(value);
    const bad = names.find((name) => !HOST_NAME_WITHOUT_PORT.test(name));
    if (bad !== undefined) throw new InvalidArgumentError(`${flag}: "${bad}" is not ${HOST_NAME_RULE}`);
    return names;
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
