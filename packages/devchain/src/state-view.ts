import { RLP } from "@ethereumjs/rlp";
import {
  bytesToHex,
  bytesToUnprefixedHex,
  createAccountFromRLP,
  createAddressFromString,
  equalsBytes,
  hexToBytes,
  KECCAK256_NULL,
  KECCAK256_RLP,
} from "@ethereumjs/util";
import { type ExecutionWitness, type Hex, keccak256 } from "@paas/evm";

/** An account as the state holds it. */
export interface AccountState {
  readonly nonce: bigint;
  readonly balance: bigint;
  readonly codeHash: Hex;
  readonly storageRoot: Hex;
}

type RlpItem = Uint8Array | RlpItem[];

/**
 * A read-only view of one EL state, for tests and tools: accounts, code and storage, read from the
 * trie nodes of that state (e.g. `ExecutionChain.fullWitness()` for the head). Storage can also be
 * listed by hashed slot key, to compare two states without knowing which slots were touched.
 * Strict: a node the view needs and does not have is an error, never an absent account or slot.
 */
export class StateView {
  private constructor(
    readonly stateRoot: Uint8Array,
    private readonly nodes: ReadonlyMap<string, Uint8Array>,
    private readonly codes: ReadonlyMap<string, Uint8Array>,
  ) {}

  /** A view of the state rooted at `stateRoot`, from a witness holding all of its nodes and codes. */
  static fromWitness(stateRoot: Uint8Array, witness: Pick<ExecutionWitness, "state" | "codes">): StateView {
    const nodes = new Map<string, Uint8Array>();
    for (const node of witness.state) {
      const bytes = hexToBytes(node);
      nodes.set(bytesToUnprefixedHex(keccak256(bytes)), bytes);
    }
    const codes = new Map<string, Uint8Array>();
    for (const code of witness.codes) {
      const bytes = hexToBytes(code);
      codes.set(bytesToHex(keccak256(bytes)), bytes);
    }
    return new StateView(stateRoot, nodes, codes);
  }

  /** The account at `address`, or undefined when it does not exist. */
  account(address: Hex): AccountState | undefined {
    const raw = this.lookup(this.stateRoot, keccak256(createAddressFromString(address).bytes));
    if (raw === undefined) return undefined;
    const account = createAccountFromRLP(raw);
    return {
      nonce: account.nonce,
      balance: account.balance,
      codeHash: bytesToHex(account.codeHash),
      storageRoot: bytesToHex(account.storageRoot),
    };
  }

  balance(address: Hex): bigint {
    return this.account(address)?.balance ?? 0n;
  }

  nonce(address: Hex): bigint {
    return this.account(address)?.nonce ?? 0n;
  }

  /** The account's code (empty for an EOA or a missing account). */
  code(address: Hex): Uint8Array {
    const account = this.account(address);
    if (account === undefined || equalsBytes(hexToBytes(account.codeHash), KECCAK256_NULL))
      return new Uint8Array();
    const code = this.codes.get(account.codeHash);
    if (code === undefined) throw new Error(`state view: code ${account.codeHash} of ${address} is missing`);
    return code;
  }

  /** The value of a storage slot (0 when unset). */
  storage(address: Hex, slot: bigint): bigint {
    const account = this.account(address);
    if (account === undefined) return 0n;
    const key = keccak256(hexToBytes(`0x${slot.toString(16).padStart(64, "0")}`));
    const raw = this.lookup(hexToBytes(account.storageRoot), key);
    return raw === undefined ? 0n : wordValue(raw);
  }

  /** Every non-zero storage slot of the account: hashed slot key (hex) → value. */
  storageEntries(address: Hex): Map<string, bigint> {
    const entries = new Map<string, bigint>();
    const account = this.account(address);
    if (account === undefined) return entries;
    const visit = (ref: RlpItem, path: readonly number[]): void => {
      const node = this.resolve(ref);
      if (node === undefined) return;
      if (node.length === 17) {
        for (const [nibble, child] of node.slice(0, 16).entries()) visit(child, [...path, nibble]);
        return;
      }
      const { nibbles, leaf, child } = shortNode(node);
      if (leaf) entries.set(nibblesToHex([...path, ...nibbles]), wordValue(child as Uint8Array));
      else visit(child, [...path, ...nibbles]);
    };
    visit(hexToBytes(account.storageRoot), []);
    return entries;
  }

  /** The value under a (hashed) key in the trie at `root`, or undefined when the trie proves it absent. */
  private lookup(root: Uint8Array, hashedKey: Uint8Array): Uint8Array | undefined {
    let remaining = [...hashedKey].flatMap((byte) => [byte >> 4, byte & 0x0f]);
    let ref: RlpItem = root;
    for (;;) {
      const node = this.resolve(ref);
      if (node === undefined) return undefined;
      if (node.length === 17) {
        const [nibble, ...rest] = remaining;
        if (nibble === undefined) return undefined;
        ref = node[nibble]!;
        remaining = rest;
        continue;
      }
      const { nibbles, leaf, child } = shortNode(node);
      const matches = nibbles.every((n, i) => remaining[i] === n);
      if (leaf) return matches && nibbles.length === remaining.length ? (child as Uint8Array) : undefined;
      if (!matches) return undefined;
      ref = child;
      remaining = remaining.slice(nibbles.length);
    }
  }

  /** A child reference as a decoded node: by hash (must be present), inline, or empty (undefined). */
  private resolve(ref: RlpItem): RlpItem[] | undefined {
    if (Array.isArray(ref)) return ref;
    if (ref.length === 0 || equalsBytes(ref, KECCAK256_RLP)) return undefined;
    const bytes = this.nodes.get(bytesToUnprefixedHex(ref));
    if (bytes === undefined) throw new Error(`state view: trie node ${bytesToHex(ref)} is missing`);
    return RLP.decode(bytes) as RlpItem[];
  }
}

/** A leaf or extension node: its hex-prefix path, and the value (leaf) or child (extension). */
function shortNode(node: RlpItem[]): { nibbles: number[]; leaf: boolean; child: RlpItem } {
  const [encoded, child] = node;
  if (node.length !== 2 || !(encoded instanceof Uint8Array) || child === undefined) {
    throw new Error("state view: malformed trie node");
  }
  const nibbles = [...encoded].flatMap((byte) => [byte >> 4, byte & 0x0f]);
  const flag = nibbles[0] ?? 0;
  return { nibbles: nibbles.slice(flag % 2 === 1 ? 1 : 2), leaf: flag >= 2, child };
}

/** A storage leaf's value: the RLP of the value's minimal big-endian bytes. */
function wordValue(raw: Uint8Array): bigint {
  const value = RLP.decode(raw) as Uint8Array;
  return value.length === 0 ? 0n : BigInt(bytesToHex(value));
}

function nibblesToHex(nibbles: readonly number[]): string {
  return `0x${nibbles.map((n) => n.toString(16)).join("")}`;
}
