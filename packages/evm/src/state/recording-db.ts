import type { BatchDBOp, DB } from "@ethereumjs/util";
import { isCodeKey, isNodeKey } from "./layout.js";
import { StateReferences } from "./references.js";

/** What one block read from the state database that existed before it started. */
export interface RecordedReads {
  /** Trie nodes by key, in first-read order. */
  readonly nodes: ReadonlyMap<string, Uint8Array>;
  /** Contract code by key, in first-read order. */
  readonly codes: ReadonlyMap<string, Uint8Array>;
}

class Recording implements RecordedReads {
  readonly nodes = new Map<string, Uint8Array>();
  readonly codes = new Map<string, Uint8Array>();
  /** Keys the block wrote: reading them back is not witness, the executor recomputes them. */
  readonly written = new Set<string>();

  read(key: string, value: Uint8Array): void {
    if (this.written.has(key)) return;
    if (isNodeKey(key)) this.nodes.set(key, value);
    else if (isCodeKey(key)) this.codes.set(key, value);
  }
}

/**
 * The full state's database (an in-memory map), recording while a block executes every node and
 * code read that was there before the block. Reads are recorded here, at the bottom of the trie
 * stack, so that every path counts: account and storage tries (storage tries are shallow copies
 * and share this object), execution and the state-root computation, and the sibling reads of a
 * branch collapsing on deletion.
 *
 * It keeps the states its owner holds (`references.hold`), not every state so far: after each
 * block, `references.collect()` drops what only older states reached.
 */
export class RecordingDB implements DB<string, Uint8Array> {
  private recording: Recording | undefined;
  readonly references: StateReferences;

  constructor(private readonly store: Map<string, Uint8Array> = new Map()) {
    this.references = new StateReferences(store);
  }

  /** How many nodes and codes are stored. */
  get size(): number {
    return this.store.size;
  }

  startRecording(): void {
    this.recording = new Recording();
  }

  stopRecording(): RecordedReads {
    const recording = this.recording;
    if (recording === undefined) throw new Error("RecordingDB: stopRecording() without startRecording()");
    this.recording = undefined;
    return recording;
  }

  /** A stored value, read synchronously and not recorded. */
  peek(key: string): Uint8Array | undefined {
    return this.store.get(key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.store.get(key);
    if (value !== undefined) this.recording?.read(key, value);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.recording?.written.add(key);
    // Keys are content hashes: a key already there holds this value, and is counted already.
    if (this.store.has(key)) return;
    this.store.set(key, value);
    this.references.added(key, value);
  }

  /** Not called by the trie (it never prunes itself); `references.collect()` deletes. */
  async del(key: string): Promise<void> {
    this.recording?.written.add(key);
    this.store.delete(key);
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") await this.put(op.key, op.value);
      else await this.del(op.key);
    }
  }

  /** Storage tries are shallow copies of the account trie: they must share the store and the recording. */
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  open(): Promise<void> {
    return Promise.resolve();
  }
}
