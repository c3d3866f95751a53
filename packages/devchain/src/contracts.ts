/**
 * The workload's contracts: small hand-written EVM programs. Each is written as its opcode listing
 * in a minimal assembler (labels become PUSH2 offsets), so the listing below is the source and the
 * documentation at once. Calldata words are 32 bytes; addresses are passed left-padded to 32 bytes.
 */
import type { Hex } from "@paas/evm";

const OPCODES = {
  STOP: 0x00,
  ADD: 0x01,
  SUB: 0x03,
  EQ: 0x14,
  ISZERO: 0x15,
  CALLVALUE: 0x34,
  CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36,
  CALLDATACOPY: 0x37,
  CODECOPY: 0x39,
  BLOCKHASH: 0x40,
  NUMBER: 0x43,
  MSTORE: 0x52,
  SLOAD: 0x54,
  SSTORE: 0x55,
  JUMPI: 0x57,
  GAS: 0x5a,
  JUMPDEST: 0x5b,
  DUP1: 0x80,
  DUP3: 0x82,
  DUP6: 0x85,
  SWAP1: 0x90,
  LOG0: 0xa0,
  LOG1: 0xa1,
  CREATE: 0xf0,
  CALL: 0xf1,
  RETURN: 0xf3,
  REVERT: 0xfd,
  SELFDESTRUCT: 0xff,
} as const;

type Opcode = keyof typeof OPCODES;

/** One item of a listing: an opcode, `PUSH1 n`, `PUSH2 label`, `label:` (a JUMPDEST or a data mark), or raw data. */
export type Instruction =
  | Opcode
  | readonly ["PUSH1", number]
  | readonly ["PUSH2", string]
  | readonly ["LABEL", string]
  | readonly ["DATA", Hex];

function sizeOf(item: Instruction): number {
  if (typeof item === "string") return 1;
  switch (item[0]) {
    case "PUSH1":
      return 2;
    case "PUSH2":
      return 3;
    case "LABEL":
      return 0;
    case "DATA":
      return (item[1].length - 2) / 2;
  }
}

/** Assembles a listing. Labels resolve to their byte offset; a label used as a jump target must precede a JUMPDEST. */
export function assemble(listing: readonly Instruction[]): Hex {
  const labels = new Map<string, number>();
  let offset = 0;
  for (const item of listing) {
    if (typeof item !== "string" && item[0] === "LABEL") labels.set(item[1], offset);
    offset += sizeOf(item);
  }
  const bytes: number[] = [];
  for (const item of listing) {
    if (typeof item === "string") {
      bytes.push(OPCODES[item]);
      continue;
    }
    switch (item[0]) {
      case "PUSH1":
        if (item[1] < 0 || item[1] > 0xff) throw new RangeError(`PUSH1 ${item[1]} does not fit a byte`);
        bytes.push(0x60, item[1]);
        break;
      case "PUSH2": {
        const target = labels.get(item[1]);
        if (target === undefined) throw new Error(`unknown label ${item[1]}`);
        bytes.push(0x61, target >> 8, target & 0xff);
        break;
      }
      case "LABEL":
        break;
      case "DATA":
        bytes.push(...Buffer.from(item[1].slice(2), "hex"));
        break;
    }
  }
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

const push = (value: number) => ["PUSH1", value] as const;
const jumpTo = (label: string) => ["PUSH2", label] as const;
const label = (name: string) => ["LABEL", name] as const;

/**
 * Init code that deploys `runtime`: copy the runtime (appended after the init code) to memory and
 * return it.
 */
export function initCode(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  if (length > 0xff) throw new RangeError("runtime longer than 255 bytes");
  return assemble([
    push(length), // size
    jumpTo("runtime"), // code offset of the runtime
    push(0), // memory offset
    "CODECOPY", // memory[0..size] = runtime
    push(length),
    push(0),
    "RETURN", // deployed code = memory[0..size]
    label("runtime"),
    ["DATA", runtime],
  ]);
}

/**
 * **Store** — storage writes, overwrites, clears, logs and reverts. Calldata `slot ‖ value` (64
 * bytes): `storage[slot] = value` (zero clears the slot) and `LOG1(data = value, topic0 = slot)`.
 * Calldata of any other length reverts. Cleared slots collapse branches of its storage trie.
 */
export const STORE_RUNTIME = assemble([
  "CALLDATASIZE",
  push(0x40),
  "EQ",
  jumpTo("store"),
  "JUMPI", // exactly 64 bytes of calldata → store
  push(0),
  "DUP1",
  "REVERT", // anything else: revert(0, 0)
  label("store"),
  "JUMPDEST",
  push(0x20),
  "CALLDATALOAD", // value
  push(0),
  "CALLDATALOAD", // slot
  "SSTORE", // storage[slot] = value
  push(0x20),
  "CALLDATALOAD",
  push(0),
  "MSTORE", // memory[0..32] = value
  push(0),
  "CALLDATALOAD", // topic0 = slot
  push(0x20), // size
  push(0), // offset
  "LOG1",
  "STOP",
]);

/**
 * **Proxy** — calls between contracts. Calldata `target ‖ payload`: `CALL(target, payload)` with
 * all gas and no value; if the inner call reverts, the proxy reverts too (undoing the inner
 * call's effects); otherwise `storage[0] += 1` (a forwarded-calls counter, overwritten each time).
 */
export const PROXY_RUNTIME = assemble([
  push(0x20),
  "CALLDATASIZE",
  "SUB", // len = calldatasize - 32
  "DUP1",
  push(0x20),
  push(0),
  "CALLDATACOPY", // memory[0..len] = calldata[32..]
  push(0), // retSize
  push(0), // retOffset
  "DUP3", // argsSize = len
  push(0), // argsOffset
  push(0), // value
  push(0),
  "CALLDATALOAD", // target
  "GAS",
  "CALL",
  jumpTo("ok"),
  "JUMPI", // inner call succeeded → count it
  push(0),
  "DUP1",
  "REVERT",
  label("ok"),
  "JUMPDEST",
  push(0),
  "SLOAD",
  push(1),
  "ADD",
  push(0),
  "SSTORE", // storage[0] += 1
  "STOP",
]);

/**
 * **BlockhashRecorder** — BLOCKHASH. Calldata `k` (1 ≤ k ≤ 256): `storage[k] = BLOCKHASH(NUMBER - k)`,
 * so the post-state holds the ancestor's hash and a wrong ancestor header changes the state root.
 */
export const BLOCKHASH_RUNTIME = assemble([
  push(0),
  "CALLDATALOAD", // k
  "DUP1",
  "NUMBER",
  "SUB", // NUMBER - k
  "BLOCKHASH",
  "SWAP1", // [hash, k]
  "SSTORE", // storage[k] = hash
  "STOP",
]);

/**
 * **Destructible** — SELFDESTRUCT. Calldata `beneficiary`: `SELFDESTRUCT(beneficiary)`. Since
 * Cancun (EIP-6780) this only moves the balance unless the contract was created in the same
 * transaction; code and storage stay.
 */
export const DESTRUCTIBLE_RUNTIME = assemble([push(0), "CALLDATALOAD", "SELFDESTRUCT"]);

/** Init code of a Destructible (the Factory embeds it). */
export const DESTRUCTIBLE_INIT = initCode(DESTRUCTIBLE_RUNTIME);

/**
 * **Factory** — CREATE and a same-transaction SELFDESTRUCT. Calldata `beneficiary`: creates a
 * Destructible with the call's value, calls it with `beneficiary` (so it self-destructs in the
 * transaction that created it, which really deletes it), then `LOG0(child address)`. Reverts if
 * the creation or the call fails.
 */
export const FACTORY_RUNTIME = assemble([
  push((DESTRUCTIBLE_INIT.length - 2) / 2), // size
  jumpTo("child"), // code offset of the embedded init code
  push(0),
  "CODECOPY", // memory[0..size] = Destructible init code
  push((DESTRUCTIBLE_INIT.length - 2) / 2),
  push(0),
  "CALLVALUE",
  "CREATE", // child = CREATE(value = callvalue, memory[0..size])
  "DUP1",
  "ISZERO",
  jumpTo("fail"),
  "JUMPI", // creation failed → revert
  push(0),
  "CALLDATALOAD",
  push(0),
  "MSTORE", // memory[0..32] = beneficiary
  push(0), // retSize
  push(0), // retOffset
  push(0x20), // argsSize
  push(0), // argsOffset
  push(0), // value
  "DUP6", // child
  "GAS",
  "CALL", // child.selfdestruct(beneficiary)
  "ISZERO",
  jumpTo("fail"),
  "JUMPI",
  push(0),
  "MSTORE", // memory[0..32] = child
  push(0x20),
  push(0),
  "LOG0", // log the child's address
  "STOP",
  label("fail"),
  "JUMPDEST",
  push(0),
  "DUP1",
  "REVERT",
  label("child"),
  ["DATA", DESTRUCTIBLE_INIT],
]);

/** Every contract of the workload, by name, with its runtime code. */
export const CONTRACTS = {
  store: STORE_RUNTIME,
  proxy: PROXY_RUNTIME,
  blockhash: BLOCKHASH_RUNTIME,
  destructible: DESTRUCTIBLE_RUNTIME,
  factory: FACTORY_RUNTIME,
} as const;

export type ContractName = keyof typeof CONTRACTS;

/** A 32-byte calldata word of a number or an address. */
export function word(value: bigint | Hex): string {
  const n = typeof value === "bigint" ? value : BigInt(value);
  return n.toString(16).padStart(64, "0");
}
