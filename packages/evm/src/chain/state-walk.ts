import { RLP } from "@ethereumjs/rlp";
import { createAccountFromRLP, equalsBytes, KECCAK256_NULL, KECCAK256_RLP } from "@ethereumjs/util";
import { codeKey, nodeKey } from "../state/layout.js";

type NestedBytes = Uint8Array | NestedBytes[];

/** Every stored node and code of one state, in the database's key layout. */
export interface StateContents {
  readonly nodes: Map<string, Uint8Array>;
  readonly codes: Map<string, Uint8Array>;
}

/**
 * Collects every node reachable from a state root (the account trie, and through the accounts
 * every storage trie) and every code an account points to: the largest witness a block on that
 * state could need.
 */
export function collectState(
  read: (key: string) => Uint8Array | undefined,
  stateRoot: Uint8Array,
): StateContents {
  const contents: StateContents = { nodes: new Map(), codes: new Map() };
  walkTrie(read, stateRoot, contents, (value) => {
    const account = createAccountFromRLP(value);
    walkTrie(read, account.storageRoot, contents, () => {});
    if (!equalsBytes(account.codeHash, KECCAK256_NULL)) {
      const key = codeKey(account.codeHash);
      const code = read(key);
      if (code === undefined) throw new Error(`state walk: code ${key} is not stored`);
      contents.codes.set(key, code);
    }
  });
  return contents;
}

function walkTrie(
  read: (key: string) => Uint8Array | undefined,
  root: Uint8Array,
  contents: StateContents,
  onLeaf: (value: Uint8Array) => void,
): void {
  if (equalsBytes(root, KECCAK256_RLP)) return;
  const visit = (reference: NestedBytes): void => {
    if (Array.isArray(reference)) {
      visitNode(reference);
      return;
    }
    if (reference.length === 0) return;
    const key = nodeKey(reference);
    if (contents.nodes.has(key)) return;
    const encoded = read(key);
    if (encoded === undefined) throw new Error(`state walk: trie node ${key} is not stored`);
    contents.nodes.set(key, encoded);
    visitNode(RLP.decode(encoded) as NestedBytes[]);
  };
  const visitNode = (node: NestedBytes[]): void => {
    if (node.length === 17) {
      for (const child of node.slice(0, 16)) visit(child);
      return;
    }
    const [path, next] = node;
    if (!(path instanceof Uint8Array) || next === undefined) {
      throw new Error("state walk: malformed trie node");
    }
    const isLeaf = (path[0] ?? 0) >> 4 >= 2;
    if (isLeaf && next instanceof Uint8Array) onLeaf(next);
    else visit(next);
  };
  visit(root);
}
