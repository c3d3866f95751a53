import { type Block, createBlock, type HeaderData } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";

/** The same block with some header fields replaced (its hash changes with them). */
export function withHeader(block: Block, changes: HeaderData): Block {
  return createBlock(
    {
      header: { ...block.header.toJSON(), ...changes },
      transactions: block.transactions,
      withdrawals: block.withdrawals,
    },
    { common: block.common },
  );
}

/** The same header over a different list of transactions. */
export function withTransactions(block: Block, transactions: TypedTransaction[]): Block {
  return createBlock(
    { header: block.header.toJSON(), transactions, withdrawals: block.withdrawals },
    { common: block.common },
  );
}
