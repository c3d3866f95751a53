import { type BlockHeader, createBlockHeader } from "@ethereumjs/block";
import type { Common, StateManagerInterface } from "@ethereumjs/common";
import { Account, createAddressFromString, hexToBytes, setLengthLeft, unpadBytes } from "@ethereumjs/util";
import { commonForBlock } from "../chain-spec/block-rules.js";
import { EvmError } from "../errors.js";
import type { Hex } from "../hex.js";
import { SYSTEM_CONTRACTS } from "./system-contracts.js";

/** One account of a genesis allocation. Storage keys and values are hex of up to 32 bytes. */
export interface GenesisAccount {
  readonly balance?: bigint;
  readonly nonce?: bigint;
  readonly code?: Hex;
  readonly storage?: Readonly<Record<Hex, Hex>>;
}

/** Accounts by address. */
export type GenesisAlloc = Readonly<Record<Hex, GenesisAccount>>;

/** The system contracts of Cancun and Prague, deployed as mainnet has them (nonce 1, empty storage). */
export function systemContractsAlloc(): GenesisAlloc {
  return Object.fromEntries(
    SYSTEM_CONTRACTS.map((contract) => [contract.address, { nonce: 1n, code: contract.code }]),
  );
}

/** Writes an allocation into a state manager (zero storage values are absent by definition). */
export async function writeAlloc(state: StateManagerInterface, alloc: GenesisAlloc): Promise<void> {
  for (const [addressHex, entry] of Object.entries(alloc)) {
    const address = createAddressFromString(addressHex);
    await state.putAccount(address, new Account(entry.nonce ?? 0n, entry.balance ?? 0n));
    const code = entry.code === undefined ? new Uint8Array() : hexToBytes(entry.code);
    if (code.length > 0) await state.putCode(address, code);
    for (const [keyHex, valueHex] of Object.entries(entry.storage ?? {})) {
      const value = unpadBytes(hexToBytes(valueHex as Hex));
      if (value.length === 0) continue;
      const key = hexToBytes(keyHex as Hex);
      if (key.length > 32 || value.length > 32) {
        throw new EvmError(
          "INVALID_INPUT",
          `genesis storage of ${addressHex}: slot ${keyHex} or its value exceeds 32 bytes`,
        );
      }
      await state.putStorage(address, setLengthLeft(key, 32), value);
    }
  }
}

/** EIP-1559's INITIAL_BASE_FEE: 1 gwei. */
const INITIAL_BASE_FEE = 1_000_000_000n;

export interface GenesisHeaderOptions {
  readonly gasLimit?: bigint;
  readonly timestamp?: bigint;
  readonly extraData?: Hex;
  readonly baseFeePerGas?: bigint;
}

/** A genesis header for the given rules and state root; the other fork fields take their empty defaults. */
export function buildGenesisHeader(
  chainCommon: Common,
  stateRoot: Uint8Array,
  options: GenesisHeaderOptions = {},
): BlockHeader {
  const common = commonForBlock(chainCommon, 0n, options.timestamp ?? 0n);
  return createBlockHeader(
    {
      number: 0n,
      stateRoot,
      gasLimit: options.gasLimit ?? 30_000_000n,
      timestamp: options.timestamp ?? 0n,
      extraData: options.extraData === undefined ? new Uint8Array() : hexToBytes(options.extraData),
      baseFeePerGas: common.isActivatedEIP(1559) ? (options.baseFeePerGas ?? INITIAL_BASE_FEE) : undefined,
      difficulty: 0n,
    },
    { common },
  );
}
