import type { TypedTransaction } from "@ethereumjs/tx";
import { isEOACode7702Tx } from "@ethereumjs/tx";
import { bytesToHex, createContractAddress, eoaCode7702RecoverAuthority, hexToBytes } from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { type BuiltBlock, type Hex, keccak256 } from "@paas/evm";
import { beforeAll, describe, expect, it } from "vitest";
import { DevChain, type StateView, word } from "../src/index.js";

/**
 * The workload must really contain every kind of transaction a prover has to handle. Each kind is
 * recognised from what the chain shows — transaction types, receipts, logs, code and storage in
 * the states before and after each block — never from the generator's own labels.
 */

const SLOTS_PER_EPOCH = 4;
const EPOCHS = 3;

interface Step {
  readonly block: BuiltBlock;
  readonly pre: StateView;
  readonly post: StateView;
}

let steps: Step[];
let chain: DevChain;

beforeAll(async () => {
  chain = await DevChain.create({ seed: "workload-test", slotsPerEpoch: SLOTS_PER_EPOCH });
  let pre = chain.headState();
  steps = [];
  for (let i = 0; i < EPOCHS * SLOTS_PER_EPOCH; i++) {
    const { el } = await chain.produceBlock();
    const post = chain.headState();
    steps.push({ block: el, pre, post });
    pre = post;
  }
});

const status = (receipt: TxReceipt | undefined) =>
  receipt !== undefined && "status" in receipt ? receipt.status : undefined;
const toHexAddress = (tx: TypedTransaction) => tx.to?.toString() as Hex | undefined;
const gasOf = (receipts: readonly TxReceipt[], i: number) =>
  receipts[i]!.cumulativeBlockGasUsed - (i === 0 ? 0n : receipts[i - 1]!.cumulativeBlockGasUsed);

/** Every effect seen, by name, with the blocks it was seen in. */
function observe(): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  const note = (effect: string, number: bigint) => {
    const list = seen.get(effect) ?? [];
    if (!list.includes(Number(number))) list.push(Number(number));
    seen.set(effect, list);
  };
  const hashes = new Map<bigint, string>();
  hashes.set(0n, chain.getElBlock(0)!.hash);
  for (const { block, pre, post } of steps) {
    const { header } = block.block;
    const n = header.number;
    hashes.set(n, block.hash);
    const storageTouched = new Set<Hex>();
    block.block.transactions.forEach((tx, i) => {
      const receipt = block.receipts[i];
      const ok = status(receipt) === 1;
      const to = toHexAddress(tx);
      const sender = tx.getSenderAddress();
      if (!ok) {
        if (to !== undefined && pre.code(to).length > 0) note("reverted contract call", n);
        return;
      }
      if (to !== undefined) storageTouched.add(to);
      for (const [address] of receipt!.logs) storageTouched.add(bytesToHex(address) as Hex);
      if (to === undefined) {
        const created = createContractAddress(sender, tx.nonce).toString() as Hex;
        if (pre.account(created) === undefined && post.code(created).length > 0)
          note("contract deployment", n);
        return;
      }
      const plain = tx.data.length === 0 && pre.code(to).length === 0;
      if (plain && gasOf(block.receipts, i) === 21_000n) {
        if (pre.account(to) === undefined && post.balance(to) >= tx.value && tx.value > 0n) {
          note("transfer to a new account", n);
        } else if (tx.type === 0) note("legacy transfer", n);
        else if (tx.type === 2) note("EIP-1559 transfer", n);
      }
      if (tx.type === 1 && tx.accessList.length > 0) note("EIP-2930 access-list transaction", n);
      if (receipt!.logs.length > 0) note("logs", n);
      if (receipt!.logs.some(([address]) => bytesToHex(address) !== to)) note("call between contracts", n);
      // A contract with code left, emptied of its balance by a call carrying value: SELFDESTRUCT
      // outside the creating transaction (EIP-6780) moves the balance and keeps the code.
      if (tx.value > 0n && pre.code(to).length > 0 && post.code(to).length > 0 && post.balance(to) === 0n) {
        note("self-destruct keeping code", n);
      }
      // A contract logging the address of an account that exists neither before nor after the
      // block, while its own nonce grew: it created a contract that was destroyed in the same
      // transaction.
      for (const [address, topics, data] of receipt!.logs) {
        if (topics.length !== 0 || data.length !== 32) continue;
        const child = bytesToHex(data.subarray(12)) as Hex;
        const factory = bytesToHex(address) as Hex;
        if (
          pre.account(child) === undefined &&
          post.account(child) === undefined &&
          post.nonce(factory) > pre.nonce(factory)
        ) {
          note("contract created and destroyed in one transaction", n);
        }
      }
      if (isEOACode7702Tx(tx)) {
        for (const item of tx.authorizationList) {
          const authority = eoaCode7702RecoverAuthority(item).toString() as Hex;
          const delegate = bytesToHex(item[1]!).slice(2);
          if (bytesToHex(post.code(authority)) === `0xef0100${delegate}`) note("EIP-7702 delegation", n);
        }
      }
    });
    for (const address of storageTouched) {
      const before = pre.storageEntries(address);
      const after = post.storageEntries(address);
      for (const [key, value] of after) {
        const old = before.get(key);
        if (old === undefined) note("storage write", n);
        else if (old !== value) note("storage overwrite", n);
        // BLOCKHASH: a slot k holding the hash of block n - k.
        for (let k = 1n; k <= 256n && k <= n; k++) {
          if (
            key === bytesToHex(keccak256(hexToBytes(`0x${word(k)}`))) &&
            `0x${value.toString(16).padStart(64, "0")}` === hashes.get(n - k)
          ) {
            note("BLOCKHASH", n);
          }
        }
      }
      for (const key of before.keys()) {
        if (after.has(key)) continue;
        note("storage clear", n);
        if (collapsesBranch(key, [...before.keys()])) note("storage clear collapsing a trie branch", n);
      }
    }
    for (const withdrawal of block.block.withdrawals ?? []) {
      const address = withdrawal.address.toString() as Hex;
      if (post.balance(address) - pre.balance(address) >= withdrawal.amount * 10n ** 9n)
        note("withdrawal", n);
    }
  }
  return seen;
}

/**
 * Whether deleting `key` from a trie holding `keys` (hashed keys as hex nibbles) leaves the deepest
 * branch on its path with a single child, i.e. collapses that branch into its sibling.
 */
function collapsesBranch(key: string, keys: readonly string[]): boolean {
  const nibbles = key.slice(2);
  const others = keys.filter((k) => k !== key).map((k) => k.slice(2));
  if (others.length === 0) return false;
  const shared = (other: string) => {
    let i = 0;
    while (i < nibbles.length && nibbles[i] === other[i]) i++;
    return i;
  };
  const depth = Math.max(...others.map(shared));
  const siblings = new Set(others.filter((o) => shared(o) >= depth).map((o) => o[depth]));
  return siblings.size === 1;
}

describe("the workload", () => {
  it("contains every kind of transaction a prover must handle, within 3 epochs of 4 slots", () => {
    const seen = observe();
    const expected = [
      "EIP-1559 transfer",
      "legacy transfer",
      "transfer to a new account",
      "EIP-2930 access-list transaction",
      "contract deployment",
      "storage write",
      "storage overwrite",
      "storage clear",
      "storage clear collapsing a trie branch",
      "call between contracts",
      "BLOCKHASH",
      "logs",
      "reverted contract call",
      "self-destruct keeping code",
      "contract created and destroyed in one transaction",
      "EIP-7702 delegation",
      "withdrawal",
    ];
    const missing = expected.filter((effect) => !seen.has(effect));
    expect(missing, `seen: ${JSON.stringify(Object.fromEntries(seen))}`).toEqual([]);
  });

  it("mixes them over the chain rather than only in one block", () => {
    const seen = observe();
    for (const effect of ["storage write", "EIP-1559 transfer", "logs"]) {
      expect(seen.get(effect)!.length, effect).toBeGreaterThanOrEqual(4);
    }
    const sizes = steps.map((s) => s.block.block.transactions.length);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });
});
