import { RLP } from "@ethereumjs/rlp";
import { createAccountFromRLP, equalsBytes, KECCAK256_NULL, KECCAK256_RLP } from "@ethereumjs/util";
import { codeKey, isNodeKey, nodeKey } from "./layout.js";

type NestedBytes = Uint8Array | NestedBytes[];

/**
 * Reference counts over a state database, so that it can keep the head state only: a stored trie
 * node or code is referenced by every stored node that points at it by hash (an account leaf
 * points at its storage root and its code), and by every state root the owner holds. What nothing
 * references any more is dropped by `collect()`. Counting happens as nodes are written (each new
 * node is decoded once for its references) and as they are dropped, so the cost follows what a
 * block changes, never the size of the state.
 *
 * Identical nodes are stored once under their hash, whichever tries they belong to (two contracts
 * with the same storage share nodes); counting every reference keeps such a node as long as any
 * of them remains.
 */
export class StateReferences {
  private readonly counts = new Map<string, number>();
  /** Keys whose count may be zero: written since the last collection, or decremented to zero. */
  private readonly candidates = new Set<string>();

  constructor(private readonly store: Map<string, Uint8Array>) {}

  /** `key` was stored with `value` and was not there before. */
  added(key: string, value: Uint8Array): void {
    this.candidates.add(key);
    for (const child of referencesOf(key, value)) this.increment(child);
  }

  /** The owner holds a state root: its trie stays. */
  hold(stateRoot: Uint8Array): void {
    if (!equalsBytes(stateRoot, KECCAK256_RLP)) this.increment(nodeKey(stateRoot));
  }

  /** The owner lets go of a state root it held; `collect()` drops what only it reached. */
  release(stateRoot: Uint8Array): void {
    if (!equalsBytes(stateRoot, KECCAK256_RLP)) this.decrement(nodeKey(stateRoot));
  }

  /** Deletes from the store every node and code nothing references; returns how many. */
  collect(): number {
    const pending = [...this.candidates];
    this.candidates.clear();
    let dropped = 0;
    for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
      if ((this.counts.get(key) ?? 0) > 0) continue;
      this.counts.delete(key);
      const value = this.store.get(key);
      if (value === undefined) continue;
      this.store.delete(key);
      dropped++;
      for (const child of referencesOf(key, value)) {
        if (this.decrement(child) === 0) pending.push(child);
      }
    }
    return dropped;
  }

  private increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private decrement(key: string): number {
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count < 0) throw new Error(`state references: ${key} released more often than referenced`);
    this.counts.set(key, count);
    if (count === 0) this.candidates.add(key);
    return count;
  }
}

/** The keys a stored entry points at: child nodes by hash, and an account's storage root and code. */
function referencesOf(key: string, value: Uint8Array): string[] {
  if (!isNodeKey(key)) return []; // code
  const references: string[] = [];
  const visitChild = (child: NestedBytes): void => {
    if (Array.isArray(child))
      visitNode(child); // an inlined node
    else if (child.length === 32) references.push(nodeKey(child));
  };
  const visitLeafValue = (leaf: Uint8Array): void => {
    // Account values are RLP lists; storage values are RLP strings.
    if (leaf.length === 0 || (leaf[0] ?? 0) < 0xc0) return;
    const account = createAccountFromRLP(leaf);
    if (!equalsBytes(account.storageRoot, KECCAK256_RLP)) references.push(nodeKey(account.storageRoot));
    if (!equalsBytes(account.codeHash, KECCAK256_NULL)) references.push(codeKey(account.codeHash));
  };
  const visitNode = (node: NestedBytes[]): void => {
    if (node.length === 17) {
      for (const child of node.slice(0, 16)) visitChild(child);
      const branchValue = node[16];
      if (branchValue instanceof Uint8Array) visitLeafValue(branchValue);
      return;
    }
    const [path, next] = node;
    if (!(path instanceof Uint8Array) || next === undefined) {
      throw new Error(`state references: node ${key} is malformed`);
    }
    const isLeaf = (path[0] ?? 0) >> 4 >= 2;
    if (isLeaf) {
      if (next instanceof Uint8Array) visitLeafValue(next);
    } else {
      visitChild(next);
    }
  };
  visitNode(RLP.decode(value) as NestedBytes[]);
  return references;
}
