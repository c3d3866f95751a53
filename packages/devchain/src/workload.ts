import type { Common } from "@ethereumjs/common";
import {
  createAccessList2930Tx,
  createEOACode7702Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from "@ethereumjs/tx";
import {
  type Address,
  bigIntToHex,
  bytesToHex,
  createAddressFromPrivateKey,
  createAddressFromString,
  createContractAddress,
  eoaCode7702SignAuthorization,
  hexToBytes,
  type WithdrawalData,
} from "@ethereumjs/util";
import { type BuildBlockOptions, type GenesisAlloc, type Hex, systemContractsAlloc } from "@paas/evm";
import { CONTRACTS, type ContractName, initCode, word } from "./contracts.js";
import { deriveSecretKey, type RandomPosition, type Seed, SeededRandom } from "./seed.js";

/**
 * What the workload puts in blocks. These labels describe what the generator *meant*; tests check
 * the chain's effects (receipts, logs, code, storage), not these.
 */
export type WorkloadKind =
  /** EIP-1559 value transfer to an account that already exists. */
  | "transfer-1559"
  /** Legacy (EIP-155) value transfer to an account that already exists. */
  | "transfer-legacy"
  /** Transfer (EIP-1559 or legacy) to a fresh address: creates an account. */
  | "transfer-new-account"
  /** Contract creation (a Store or a funded Destructible). */
  | "deploy"
  /** Store: a slot that was zero becomes non-zero. */
  | "storage-write"
  /** Store: a non-zero slot gets another non-zero value. */
  | "storage-overwrite"
  /** Store: a non-zero slot is cleared (its trie branch may collapse). */
  | "storage-clear"
  /** EIP-2930 transaction with an access list, writing a Store slot. */
  | "access-list-call"
  /** Proxy → Store: a call between contracts that writes in both. */
  | "proxy-call"
  /** Proxy → Store with bad calldata: the inner call reverts, so does the proxy. */
  | "proxy-revert"
  /** Store with bad calldata: a reverted transaction. */
  | "revert"
  /** BlockhashRecorder: stores the hash of an ancestor block. */
  | "blockhash"
  /** A Destructible created in an earlier transaction self-destructs: only its balance moves. */
  | "self-destruct"
  /** Factory: creates a Destructible and destroys it in the same transaction. */
  | "create-and-destroy"
  /** EIP-7702: a fresh EOA delegates to the Store code and is called in the same transaction. */
  | "delegate-7702";

/** Every kind; block 2 carries each of them once, so any chain of 2+ blocks has them all. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  "transfer-1559",
  "transfer-legacy",
  "transfer-new-account",
  "deploy",
  "storage-write",
  "storage-overwrite",
  "storage-clear",
  "access-list-call",
  "proxy-call",
  "proxy-revert",
  "revert",
  "blockhash",
  "self-destruct",
  "create-and-destroy",
  "delegate-7702",
];

/** How often each kind is drawn in blocks after the second. */
const WEIGHTS: readonly (readonly [WorkloadKind, number])[] = [
  ["transfer-1559", 10],
  ["transfer-legacy", 6],
  ["transfer-new-account", 6],
  ["deploy", 2],
  ["storage-write", 10],
  ["storage-overwrite", 6],
  ["storage-clear", 6],
  ["access-list-call", 3],
  ["proxy-call", 5],
  ["proxy-revert", 2],
  ["revert", 2],
  ["blockhash", 4],
  ["self-destruct", 2],
  ["create-and-destroy", 2],
  ["delegate-7702", 1],
];

export interface WorkloadOptions {
  /** Funded accounts in genesis (senders). Default 8. */
  readonly accounts?: number;
  /** Transactions per block after the second, drawn uniformly in `[min, max]`. Default `[4, 8]`. */
  readonly transactionsPerBlock?: readonly [number, number];
}

/** A funded account of the genesis allocation, with its seeded key. */
export interface FundedAccount {
  readonly address: Hex;
  readonly privateKey: Uint8Array;
}

/** One block's worth of workload: what `ExecutionChain.buildBlock` takes, and what was meant. */
export interface WorkloadBlock {
  readonly transactions: readonly TypedTransaction[];
  readonly kinds: readonly WorkloadKind[];
  readonly options: Omit<BuildBlockOptions, "timestamp">;
}

/** Balance of each funded account at genesis: one million ether. */
export const FUNDED_BALANCE = 10n ** 24n;
const GWEI = 10n ** 9n;
const ETHER = 10n ** 18n;
const MAX_FEE = 100n * GWEI;

/**
 * Everything the workload has done, as JSON: with the same seed and options, `Workload.resume`
 * continues with the very transactions the saved one would have made next. Lists keep the order
 * of the maps they come from, which decides what is picked.
 */
export interface WorkloadState {
  readonly random: RandomPosition;
  readonly nonces: readonly (readonly [address: string, nonce: string])[];
  readonly contracts: Readonly<Record<"store" | "proxy" | "blockhash" | "factory", string | null>>;
  readonly storage: readonly (readonly [address: string, slots: readonly (readonly [string, string])[]])[];
  readonly destructibles: readonly string[];
  readonly delegations: number;
  readonly withdrawalIndex: string;
}

interface Sender {
  readonly key: Uint8Array;
  readonly address: Address;
}

/**
 * A deterministic transaction generator. It keeps a model of what it has done (nonces, deployed
 * contracts, which Store slots are set) so that every transaction it emits is valid and means what
 * its kind says (an overwrite hits a set slot, a clear a non-zero one). Everything is drawn from a
 * `SeededRandom`, so the same seed and chain id give the same transactions, block after block.
 */
export class Workload {
  readonly accounts: readonly FundedAccount[];
  private readonly senders: readonly Sender[];
  private readonly random: SeededRandom;
  private readonly nonces = new Map<string, bigint>();
  private readonly coinbase: Hex;
  private readonly perBlock: readonly [number, number];

  // The model.
  private store: Address | undefined;
  private proxy: Address | undefined;
  private blockhash: Address | undefined;
  private factory: Address | undefined;
  /** Store-code targets (Store instances and EOAs delegated to the Store code) and their non-zero slots. */
  private readonly storage = new Map<string, { address: Address; slots: Map<bigint, bigint> }>();
  private readonly destructibles: Address[] = [];
  private delegations = 0;
  private withdrawalIndex = 0n;

  constructor(
    private readonly common: Common,
    private readonly seed: Seed,
    options: WorkloadOptions = {},
  ) {
    const count = options.accounts ?? 8;
    if (!Number.isSafeInteger(count) || count < 2)
      throw new RangeError("the workload needs at least 2 accounts");
    const [min, max] = options.transactionsPerBlock ?? [4, 8];
    if (!Number.isSafeInteger(min) || min < 0 || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(
        `transactionsPerBlock must be [min, max] with 0 <= min <= max, got [${min}, ${max}]`,
      );
    }
    this.perBlock = [min, max];
    this.senders = Array.from({ length: count }, (_, i) => {
      const key = deriveSecretKey(seed, "account", i);
      return { key, address: createAddressFromPrivateKey(key) };
    });
    this.accounts = this.senders.map((s) => ({ address: s.address.toString() as Hex, privateKey: s.key }));
    this.random = new SeededRandom(seed, "workload");
    this.coinbase = createAddressFromPrivateKey(deriveSecretKey(seed, "coinbase")).toString() as Hex;
  }

  state(): WorkloadState {
    const address = (a: Address | undefined) => a?.toString() ?? null;
    return {
      random: this.random.position(),
      nonces: [...this.nonces].map(([a, n]) => [a, n.toString()]),
      contracts: {
        store: address(this.store),
        proxy: address(this.proxy),
        blockhash: address(this.blockhash),
        factory: address(this.factory),
      },
      storage: [...this.storage.values()].map((t) => [
        t.address.toString(),
        [...t.slots].map(([slot, value]) => [slot.toString(), value.toString()]),
      ]),
      destructibles: this.destructibles.map((a) => a.toString()),
      delegations: this.delegations,
      withdrawalIndex: this.withdrawalIndex.toString(),
    };
  }

  /** Continues from a saved `state()` (of a workload with the same seed and options). */
  resume(state: WorkloadState): void {
    const address = (a: string | null) => (a === null ? undefined : createAddressFromString(a));
    this.random.resume(state.random);
    this.nonces.clear();
    for (const [a, n] of state.nonces) this.nonces.set(a, BigInt(n));
    this.store = address(state.contracts.store);
    this.proxy = address(state.contracts.proxy);
    this.blockhash = address(state.contracts.blockhash);
    this.factory = address(state.contracts.factory);
    this.storage.clear();
    for (const [a, slots] of state.storage) {
      const target = createAddressFromString(a);
      this.storage.set(target.toString(), {
        address: target,
        slots: new Map(slots.map(([slot, value]) => [BigInt(slot), BigInt(value)])),
      });
    }
    this.destructibles.splice(
      0,
      this.destructibles.length,
      ...state.destructibles.map(createAddressFromString),
    );
    this.delegations = state.delegations;
    this.withdrawalIndex = BigInt(state.withdrawalIndex);
  }

  /** The genesis allocation: the system contracts of Prague and the funded accounts. */
  genesisAlloc(): GenesisAlloc {
    return {
      ...systemContractsAlloc(),
      ...Object.fromEntries(this.accounts.map((a) => [a.address, { balance: FUNDED_BALANCE }])),
    };
  }

  /** The next block's transactions. `number` is the block's number (1 for the first block after genesis). */
  nextBlock(number: bigint): WorkloadBlock {
    const kinds: WorkloadKind[] = [];
    const transactions: TypedTransaction[] = [];
    const add = (kind: WorkloadKind) => {
      transactions.push(this.generate(kind, number));
      kinds.push(kind);
    };
    if (number === 1n) {
      transactions.push(...this.deployFixtures());
      kinds.push("deploy", "deploy", "deploy", "deploy", "deploy");
      add("transfer-1559");
      add("transfer-legacy");
      add("storage-write");
      add("storage-write");
      add("storage-write");
    } else if (number === 2n) {
      for (const kind of WORKLOAD_KINDS) add(kind);
    } else {
      const count = this.random.int(...this.perBlock);
      for (let i = 0; i < count; i++) add(this.random.weighted(WEIGHTS));
    }
    return {
      transactions,
      kinds,
      options: {
        coinbase: this.coinbase,
        prevRandao: bytesToHex(this.random.bytes(32)),
        parentBeaconBlockRoot: bytesToHex(this.random.bytes(32)),
        withdrawals: this.withdrawals(number),
      },
    };
  }

  /** Block 1: the Store, Proxy, BlockhashRecorder and Factory, and a funded Destructible. */
  private deployFixtures(): TypedTransaction[] {
    const deployer = this.senders[0]!;
    const deploy = (name: ContractName, value = 0n) => {
      const address = createContractAddress(deployer.address, this.nonceOf(deployer));
      return { address, tx: this.tx1559(deployer, undefined, initCode(CONTRACTS[name]), value, 300_000n) };
    };
    const store = deploy("store");
    const proxy = deploy("proxy");
    const blockhash = deploy("blockhash");
    const factory = deploy("factory");
    const destructible = deploy("destructible", ETHER);
    this.store = store.address;
    this.proxy = proxy.address;
    this.blockhash = blockhash.address;
    this.factory = factory.address;
    this.storage.set(store.address.toString(), { address: store.address, slots: new Map() });
    this.destructibles.push(destructible.address);
    return [store.tx, proxy.tx, blockhash.tx, factory.tx, destructible.tx];
  }

  private generate(kind: WorkloadKind, number: bigint): TypedTransaction {
    const random = this.random;
    const sender = random.pick(this.senders);
    switch (kind) {
      case "transfer-1559":
        return this.tx1559(sender, this.otherAccount(sender), "0x", this.amount(), 21_000n);
      case "transfer-legacy":
        return this.txLegacy(sender, this.otherAccount(sender), "0x", this.amount(), 21_000n);
      case "transfer-new-account": {
        const to = this.freshAddress();
        return random.chance(0.5)
          ? this.tx1559(sender, to, "0x", this.amount(), 21_000n)
          : this.txLegacy(sender, to, "0x", this.amount(), 21_000n);
      }
      case "deploy": {
        const address = createContractAddress(sender.address, this.nonceOf(sender));
        if (random.chance(0.5)) {
          this.storage.set(address.toString(), { address, slots: new Map() });
          return this.tx1559(sender, undefined, initCode(CONTRACTS.store), 0n, 300_000n);
        }
        this.destructibles.push(address);
        return this.tx1559(sender, undefined, initCode(CONTRACTS.destructible), this.amount(), 300_000n);
      }
      case "storage-write": {
        const { target, slot, value } = this.newSlot();
        return this.tx1559(sender, target.address, storeCall(slot, value), 0n, 200_000n);
      }
      case "storage-overwrite": {
        const set = this.setSlot();
        if (set === undefined) return this.generate("storage-write", number);
        const value = this.value(set.slots.get(set.slot));
        set.slots.set(set.slot, value);
        return this.tx1559(sender, set.address, storeCall(set.slot, value), 0n, 200_000n);
      }
      case "storage-clear": {
        const set = this.setSlot();
        if (set === undefined) return this.generate("storage-write", number);
        set.slots.delete(set.slot);
        return this.txLegacy(sender, set.address, storeCall(set.slot, 0n), 0n, 200_000n);
      }
      case "access-list-call": {
        const { target, slot, value } = this.newSlot();
        return this.txAccessList(sender, target.address, storeCall(slot, value), slot);
      }
      case "proxy-call": {
        const { target, slot, value } = this.newSlot();
        const data = `0x${word(target.address.toString() as Hex)}${storeCall(slot, value).slice(2)}` as Hex;
        return this.tx1559(sender, this.proxy!, data, 0n, 200_000n);
      }
      case "proxy-revert": {
        const data = `0x${word(this.store!.toString() as Hex)}${word(BigInt(random.int(1, 1000)))}` as Hex;
        return this.tx1559(sender, this.proxy!, data, 0n, 200_000n);
      }
      case "revert":
        return this.tx1559(sender, this.store!, `0x${word(BigInt(random.int(1, 1000)))}`, 0n, 100_000n);
      case "blockhash": {
        const maxBack = number < 256n ? Number(number) : 256;
        return this.tx1559(
          sender,
          this.blockhash!,
          `0x${word(BigInt(random.int(1, maxBack)))}`,
          0n,
          100_000n,
        );
      }
      case "self-destruct": {
        const target = random.pick(this.destructibles);
        return this.tx1559(sender, target, `0x${word(this.beneficiary(sender))}`, this.amount(), 100_000n);
      }
      case "create-and-destroy":
        return this.tx1559(
          sender,
          this.factory!,
          `0x${word(this.beneficiary(sender))}`,
          this.amount(),
          300_000n,
        );
      case "delegate-7702":
        return this.delegation(sender);
    }
  }

  /**
   * A fresh EOA (a seeded key, never funded) signs an EIP-7702 authorization delegating to the Store
   * code; the transaction, sent by a funded account, calls that EOA with a Store write, so the
   * delegation applies and its code runs in the same transaction.
   */
  private delegation(sender: Sender): TypedTransaction {
    const authorityKey = deriveSecretKey(this.seed, "delegate", this.delegations++);
    const authority = createAddressFromPrivateKey(authorityKey);
    const authorization = eoaCode7702SignAuthorization(
      {
        chainId: bigIntToHex(this.common.chainId()),
        address: this.store!.toString() as Hex,
        nonce: bigIntToHex(this.nonceOf({ key: authorityKey, address: authority })),
      },
      authorityKey,
    );
    // A valid authorization bumps the authority's nonce.
    this.nonces.set(authority.toString(), this.nonceOf({ key: authorityKey, address: authority }) + 1n);
    const slots = new Map<bigint, bigint>();
    this.storage.set(authority.toString(), { address: authority, slots });
    const slot = BigInt(this.random.int(1, 1 << 20));
    const value = this.value();
    slots.set(slot, value);
    return createEOACode7702Tx(
      {
        nonce: this.takeNonce(sender),
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: this.tip(),
        gasLimit: 200_000n,
        to: authority,
        data: hexToBytes(storeCall(slot, value)),
        authorizationList: [authorization],
      },
      { common: this.common },
    ).sign(sender.key);
  }

  private withdrawals(number: bigint): WithdrawalData[] {
    const count = number === 2n ? 2 : this.random.chance(0.3) ? this.random.int(1, 2) : 0;
    return Array.from({ length: count }, () => ({
      index: this.withdrawalIndex++,
      validatorIndex: BigInt(this.random.int(0, 1000)),
      address: this.random.chance(0.5) ? this.freshAddress() : this.random.pick(this.senders).address,
      amount: BigInt(this.random.int(1, 32)) * GWEI, // in gwei: up to 32 ether
    }));
  }

  /** A slot of a Store-code target that is zero in the model, set to a fresh non-zero value. */
  private newSlot() {
    const target = this.random.pick([...this.storage.values()]);
    let slot: bigint;
    do slot = BigInt(this.random.int(1, 1 << 20));
    while (target.slots.has(slot));
    const value = this.value();
    target.slots.set(slot, value);
    return { target, slot, value };
  }

  /** A non-zero slot of a Store-code target, if any. */
  private setSlot() {
    const targets = [...this.storage.values()].filter((t) => t.slots.size > 0);
    if (targets.length === 0) return undefined;
    const target = this.random.pick(targets);
    return { address: target.address, slots: target.slots, slot: this.random.pick([...target.slots.keys()]) };
  }

  /** A non-zero storage value, different from `previous`. */
  private value(previous?: bigint): bigint {
    let value: bigint;
    do value = this.random.bigint(1n, 2n ** 64n);
    while (value === previous);
    return value;
  }

  private amount(): bigint {
    return this.random.bigint(1n, ETHER);
  }

  private tip(): bigint {
    return BigInt(this.random.int(1, 3)) * GWEI;
  }

  private freshAddress(): Address {
    return createAddressFromString(bytesToHex(this.random.bytes(20)));
  }

  private otherAccount(sender: Sender): Address {
    const others = this.senders.filter((s) => s !== sender);
    return this.random.pick(others).address;
  }

  /** Half the time a fresh address (the self-destruct creates it), else another funded account. */
  private beneficiary(sender: Sender): Hex {
    return (this.random.chance(0.5) ? this.freshAddress() : this.otherAccount(sender)).toString() as Hex;
  }

  private nonceOf(sender: Sender): bigint {
    return this.nonces.get(sender.address.toString()) ?? 0n;
  }

  private takeNonce(sender: Sender): bigint {
    const nonce = this.nonceOf(sender);
    this.nonces.set(sender.address.toString(), nonce + 1n);
    return nonce;
  }

  private tx1559(sender: Sender, to: Address | undefined, data: Hex, value: bigint, gasLimit: bigint) {
    return createFeeMarket1559Tx(
      {
        nonce: this.takeNonce(sender),
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: this.tip(),
        gasLimit,
        to,
        value,
        data: hexToBytes(data),
      },
      { common: this.common },
    ).sign(sender.key);
  }

  private txLegacy(sender: Sender, to: Address, data: Hex, value: bigint, gasLimit: bigint) {
    return createLegacyTx(
      { nonce: this.takeNonce(sender), gasPrice: MAX_FEE, gasLimit, to, value, data: hexToBytes(data) },
      { common: this.common },
    ).sign(sender.key);
  }

  private txAccessList(sender: Sender, to: Address, data: Hex, slot: bigint) {
    return createAccessList2930Tx(
      {
        nonce: this.takeNonce(sender),
        gasPrice: MAX_FEE,
        gasLimit: 200_000n,
        to,
        data: hexToBytes(data),
        accessList: [{ address: to.toString(), storageKeys: [`0x${word(slot)}`] }],
      },
      { common: this.common },
    ).sign(sender.key);
  }
}

/** Store calldata: `slot ‖ value`. */
function storeCall(slot: bigint, value: bigint): Hex {
  return `0x${word(slot)}${word(value)}`;
}
