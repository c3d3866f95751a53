import {
  type Block,
  type BlockHeader,
  createBlock,
  genTransactionsTrieRoot,
  genWithdrawalsTrieRoot,
} from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { isBlob4844Tx, type TypedTransaction } from "@ethereumjs/tx";
import { createWithdrawal, hexToBytes, type WithdrawalData } from "@ethereumjs/util";
import { commonForBlock } from "../chain-spec/block-rules.js";
import type { Hex } from "../hex.js";

/** The fields of a new block its producer chooses; execution computes the rest. */
export interface BuildBlockOptions {
  /** Default: the parent's timestamp + 12. */
  readonly timestamp?: bigint;
  /** Fee recipient. Default: the zero address. */
  readonly coinbase?: Hex;
  /** Default: the parent's gas limit. */
  readonly gasLimit?: bigint;
  readonly extraData?: Hex;
  /** The `mixHash` field (PREVRANDAO). Default: zero. */
  readonly prevRandao?: Hex;
  /** Default: zero. */
  readonly parentBeaconBlockRoot?: Hex;
  readonly withdrawals?: readonly WithdrawalData[];
}

/**
 * A block ready to run with `generate: true`: the header fields that follow from the parent and
 * the producer's choices, including the transactions and withdrawals roots (which `runBlock`
 * validates before it executes anything).
 */
export async function draftBlock(
  chainCommon: Common,
  parent: BlockHeader,
  transactions: readonly TypedTransaction[],
  options: BuildBlockOptions,
): Promise<Block> {
  const number = parent.number + 1n;
  const timestamp = options.timestamp ?? parent.timestamp + 12n;
  // The fields a header has follow the fork the new block falls under.
  const common = commonForBlock(chainCommon, number, timestamp);
  const withdrawals = (options.withdrawals ?? []).map(createWithdrawal);
  const blobGasUsed = transactions.reduce(
    (sum, tx) => sum + (isBlob4844Tx(tx) ? BigInt(tx.numBlobs()) * tx.common.param("blobGasPerBlob") : 0n),
    0n,
  );
  const header = {
    parentHash: parent.hash(),
    number,
    timestamp,
    gasLimit: options.gasLimit ?? parent.gasLimit,
    coinbase: options.coinbase === undefined ? undefined : hexToBytes(options.coinbase),
    extraData: options.extraData === undefined ? undefined : hexToBytes(options.extraData),
    mixHash: options.prevRandao === undefined ? undefined : hexToBytes(options.prevRandao),
    difficulty: 0n,
    baseFeePerGas: common.isActivatedEIP(1559) ? parent.calcNextBaseFee() : undefined,
    excessBlobGas: common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(common) : undefined,
    blobGasUsed: common.isActivatedEIP(4844) ? blobGasUsed : undefined,
    parentBeaconBlockRoot:
      options.parentBeaconBlockRoot === undefined ? undefined : hexToBytes(options.parentBeaconBlockRoot),
    transactionsTrie: await genTransactionsTrieRoot([...transactions], new MerklePatriciaTrie({ common })),
    withdrawalsRoot: common.isActivatedEIP(4895)
      ? await genWithdrawalsTrieRoot(withdrawals, new MerklePatriciaTrie({ common }))
      : undefined,
  };
  return createBlock(
    {
      header,
      transactions: [...transactions],
      withdrawals: common.isActivatedEIP(4895) ? withdrawals : undefined,
    },
    { common },
  );
}
