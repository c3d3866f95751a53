import type { BatchDBOp, DB } from "@ethereumjs/util";
import { type EvmError, MissingCodeError, MissingWitnessNodeError } from "../errors.js";
import { EMPTY_TRIE_ROOT_KEY, hashOfKey, isCodeKey } from "./layout.js";

/**
 * The database of a stateless execution: the witness's nodes and codes plus what the block
 * writes. Any read it cannot answer throws a typed error naming the missing node or code, except
 * the empty trie root, which every empty storage trie looks up and which is absent by design.
 *
 * By default the trie library reads a missing node as "no such account or slot" and missing code
 * as empty code, and a few library paths catch errors; either would let a witness that omits a
 * node execute a different, self-consistent transition. So the first miss is also kept
 * (`firstMiss`): the executor fails the block on it even if some library path swallowed the throw.
 */
export class WitnessDB implements DB<string, Uint8Array> {
  private miss: EvmError | undefined;

  constructor(
    private readonly entries: Map<string, Uint8Array>,
    private readonly blockNumber: bigint,
  ) {}

  get firstMiss(): EvmError | undefined {
    return this.miss;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.entries.get(key);
    if (value !== undefined || key === EMPTY_TRIE_ROOT_KEY) return value;
    const error = isCodeKey(key)
      ? new MissingCodeError(hashOfKey(key), this.blockNumber)
      : new MissingWitnessNodeError(hashOfKey(key), this.blockNumber);
    this.miss ??= error;
    throw error;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value);
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") this.entries.set(op.key, op.value);
      else this.entries.delete(op.key);
    }
  }

  /** Storage tries are shallow copies of the account trie: they must share this database. */
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  open(): Promise<void> {
    return Promise.resolve();
  }
}
