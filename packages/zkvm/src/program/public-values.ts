import type { ByteReader } from "../bytes.js";
import { ValueCodecError } from "../errors.js";
import { readValue, valueReader } from "../value/codec.js";

/**
 * Reads public values in the order the guest committed them: `read()` for each `commit(value)`,
 * `readBytes(n)` for each `commitBytes` of n bytes (raw bytes carry no length, as in SP1's
 * `commit_slice`, so byte-exact formats such as an SSZ root stay byte-exact).
 */
export class PublicValuesReader {
  readonly #reader: ByteReader;

  constructor(publicValues: Uint8Array) {
    this.#reader = valueReader(publicValues);
  }

  read<T = unknown>(): T {
    return readValue(this.#reader) as T;
  }

  readBytes(length: number): Uint8Array {
    return this.#reader.take(length, "committed bytes");
  }

  get remaining(): number {
    return this.#reader.remaining;
  }

  /** Requires that everything was read, so extra public values are not silently ignored. */
  finish(): void {
    if (this.#reader.remaining > 0) {
      throw new ValueCodecError(
        "VALUE_MALFORMED",
        `public values have ${this.#reader.remaining} unread bytes at offset ${this.#reader.offset}`,
      );
    }
  }
}

/** The one value a guest committed with a single `commit(value)`: the usual `readOutput`. */
export function decodeCommitted<T = unknown>(publicValues: Uint8Array): T {
  const reader = new PublicValuesReader(publicValues);
  const value = reader.read<T>();
  reader.finish();
  return value;
}
