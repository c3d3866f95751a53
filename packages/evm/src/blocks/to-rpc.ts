import type { Block } from "@ethereumjs/block";
import {
  type AccessListBytes,
  Capability,
  isAccessList2930Tx,
  isBlob4844Tx,
  isEOACode7702Tx,
  isLegacyTx,
  type TypedTransaction,
} from "@ethereumjs/tx";
import { bytesToBigInt, bytesToHex } from "@ethereumjs/util";
import { type Hex, toQuantity } from "../hex.js";
import type { RpcAuthorization, RpcBlock, RpcTransaction } from "./rpc-types.js";

const quantityOf = (bytes: Uint8Array): Hex => toQuantity(bytesToBigInt(bytes));

function accessListJson(list: AccessListBytes) {
  return list.map(([address, keys]) => ({ address: bytesToHex(address), storageKeys: keys.map(bytesToHex) }));
}

/** The fields every transaction type has, plus those of its type. */
function transactionJson(tx: TypedTransaction, block: Block, index: number): RpcTransaction {
  const base = {
    blockHash: bytesToHex(block.hash()),
    blockNumber: toQuantity(block.header.number),
    transactionIndex: toQuantity(index),
    hash: bytesToHex(tx.hash()),
    type: toQuantity(tx.type),
    from: tx.getSenderAddress().toString() as Hex,
    to: tx.to === undefined ? null : (tx.to.toString() as Hex),
    nonce: toQuantity(tx.nonce),
    gas: toQuantity(tx.gasLimit),
    value: toQuantity(tx.value),
    input: bytesToHex(tx.data),
    v: toQuantity(tx.v ?? 0n),
    r: toQuantity(tx.r ?? 0n),
    s: toQuantity(tx.s ?? 0n),
  };
  if (isLegacyTx(tx)) {
    const protectedTx = tx.supports(Capability.EIP155ReplayProtection);
    return {
      ...base,
      gasPrice: toQuantity(tx.gasPrice),
      ...(protectedTx ? { chainId: toQuantity(tx.common.chainId()) } : {}),
    };
  }
  const typed = { ...base, chainId: toQuantity(tx.chainId), yParity: toQuantity(tx.v ?? 0n) };
  if (isAccessList2930Tx(tx)) {
    return { ...typed, gasPrice: toQuantity(tx.gasPrice), accessList: accessListJson(tx.accessList) };
  }
  // EIP-1559 style (types 2, 3, 4): gasPrice is the effective price this block charged.
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const headroom = tx.maxFeePerGas - baseFee;
  const tip = headroom < tx.maxPriorityFeePerGas ? headroom : tx.maxPriorityFeePerGas;
  const feeMarket = {
    ...typed,
    gasPrice: toQuantity(baseFee + tip),
    maxFeePerGas: toQuantity(tx.maxFeePerGas),
    maxPriorityFeePerGas: toQuantity(tx.maxPriorityFeePerGas),
    accessList: accessListJson(tx.accessList),
  };
  if (isBlob4844Tx(tx)) {
    return {
      ...feeMarket,
      maxFeePerBlobGas: toQuantity(tx.maxFeePerBlobGas),
      blobVersionedHashes: [...tx.blobVersionedHashes] as Hex[],
    };
  }
  if (isEOACode7702Tx(tx)) {
    return { ...feeMarket, authorizationList: tx.authorizationList.map(authorizationJson) };
  }
  return feeMarket;
}

function authorizationJson(item: readonly Uint8Array[]): RpcAuthorization {
  const [chainId, address, nonce, yParity, r, s] = item;
  if (chainId === undefined || address === undefined || nonce === undefined)
    throw new Error("malformed authorization");
  if (yParity === undefined || r === undefined || s === undefined) throw new Error("malformed authorization");
  return {
    chainId: quantityOf(chainId),
    address: bytesToHex(address),
    nonce: quantityOf(nonce),
    yParity: quantityOf(yParity),
    r: quantityOf(r),
    s: quantityOf(s),
  };
}

/**
 * A block in the shape of `eth_getBlockByNumber(n, true)`: quantities without leading zeros,
 * full transaction objects, and the fork fields the header carries.
 */
export function blockToRpc(block: Block): RpcBlock {
  const header = block.header;
  const optional = (value: bigint | undefined) => (value === undefined ? undefined : toQuantity(value));
  const optionalData = (value: Uint8Array | undefined) =>
    value === undefined ? undefined : bytesToHex(value);
  const json: RpcBlock = {
    number: toQuantity(header.number),
    hash: bytesToHex(block.hash()),
    parentHash: bytesToHex(header.parentHash),
    nonce: bytesToHex(header.nonce),
    sha3Uncles: bytesToHex(header.uncleHash),
    logsBloom: bytesToHex(header.logsBloom),
    transactionsRoot: bytesToHex(header.transactionsTrie),
    stateRoot: bytesToHex(header.stateRoot),
    receiptsRoot: bytesToHex(header.receiptTrie),
    miner: header.coinbase.toString() as Hex,
    difficulty: toQuantity(header.difficulty),
    extraData: bytesToHex(header.extraData),
    size: toQuantity(block.serialize().length),
    gasLimit: toQuantity(header.gasLimit),
    gasUsed: toQuantity(header.gasUsed),
    timestamp: toQuantity(header.timestamp),
    mixHash: bytesToHex(header.mixHash),
    transactions: block.transactions.map((tx, index) => transactionJson(tx, block, index)),
    uncles: block.uncleHeaders.map((uncle) => bytesToHex(uncle.hash())),
    baseFeePerGas: optional(header.baseFeePerGas),
    withdrawalsRoot: optionalData(header.withdrawalsRoot),
    withdrawals:
      header.withdrawalsRoot === undefined
        ? undefined
        : block.withdrawals?.map((w) => ({
            index: toQuantity(w.index),
            validatorIndex: toQuantity(w.validatorIndex),
            address: w.address.toString() as Hex,
            amount: toQuantity(w.amount),
          })),
    blobGasUsed: optional(header.blobGasUsed),
    excessBlobGas: optional(header.excessBlobGas),
    parentBeaconBlockRoot: optionalData(header.parentBeaconBlockRoot),
    requestsHash: optionalData(header.requestsHash),
  };
  return Object.fromEntries(
    Object.entries(json).filter(([, value]) => value !== undefined),
  ) as unknown as RpcBlock;
}
