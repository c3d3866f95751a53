import { InvalidArgumentError } from "commander";

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
