import type { Hex } from "../hex.js";

/** A transaction as `eth_getBlockByNumber(n, true)` returns it (geth/reth field names). */
export interface RpcTransaction {
  readonly blockHash: Hex;
  readonly blockNumber: Hex;
  readonly transactionIndex: Hex;
  readonly hash: Hex;
  readonly type: Hex;
  readonly from: Hex;
  readonly to: Hex | null;
  readonly nonce: Hex;
  readonly gas: Hex;
  readonly value: Hex;
  readonly input: Hex;
  /** For EIP-1559-style transactions, the effective gas price paid in this block. */
  readonly gasPrice: Hex;
  readonly chainId?: Hex;
  readonly maxFeePerGas?: Hex;
  readonly maxPriorityFeePerGas?: Hex;
  readonly maxFeePerBlobGas?: Hex;
  readonly accessList?: readonly { readonly address: Hex; readonly storageKeys: readonly Hex[] }[];
  readonly blobVersionedHashes?: readonly Hex[];
  readonly authorizationList?: readonly RpcAuthorization[];
  readonly v: Hex;
  readonly r: Hex;
  readonly s: Hex;
  readonly yParity?: Hex;
}

export interface RpcAuthorization {
  readonly chainId: Hex;
  readonly address: Hex;
  readonly nonce: Hex;
  readonly yParity: Hex;
  readonly r: Hex;
  readonly s: Hex;
}

export interface RpcWithdrawal {
  readonly index: Hex;
  readonly validatorIndex: Hex;
  readonly address: Hex;
  readonly amount: Hex;
}

/** A block as `eth_getBlockByNumber(n, true)` returns it. Fork fields appear when their fork is active. */
export interface RpcBlock {
  readonly number: Hex;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly nonce: Hex;
  readonly sha3Uncles: Hex;
  readonly logsBloom: Hex;
  readonly transactionsRoot: Hex;
  readonly stateRoot: Hex;
  readonly receiptsRoot: Hex;
  readonly miner: Hex;
  readonly difficulty: Hex;
  readonly extraData: Hex;
  readonly size: Hex;
  readonly gasLimit: Hex;
  readonly gasUsed: Hex;
  readonly timestamp: Hex;
  readonly mixHash: Hex;
  readonly transactions: readonly RpcTransaction[];
  readonly uncles: readonly Hex[];
  readonly baseFeePerGas?: Hex;
  readonly withdrawalsRoot?: Hex;
  readonly withdrawals?: readonly RpcWithdrawal[];
  readonly blobGasUsed?: Hex;
  readonly excessBlobGas?: Hex;
  readonly parentBeaconBlockRoot?: Hex;
  readonly requestsHash?: Hex;
}
