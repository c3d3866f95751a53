import {
  createAccessList2930Tx,
  createBlob4844Tx,
  createEOACode7702Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
} from "@ethereumjs/tx";
import { createAddressFromPrivateKey, eoaCode7702SignAuthorization, hexToBytes } from "@ethereumjs/util";
import {
  type ChainBlock,
  createDevnetCommon,
  ExecutionChain,
  systemContractsAlloc,
} from "../../src/index.js";

/** The rules `allTypesBlock` is built under (the devnet's, chain 1337). */
export const allTypesCommon = createDevnetCommon(1337);
const common = allTypesCommon;
const key = hexToBytes(`0x${"11".repeat(32)}`);
const to = "0x00000000000000000000000000000000000000aa";
const fees = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 3n };

/** One block with every transaction type, 7702 authorizations from many keys (quantities of every length). */
export async function allTypesBlock(): Promise<ChainBlock> {
  const sender = createAddressFromPrivateKey(key);
  const chain = await ExecutionChain.create({
    common,
    alloc: { ...systemContractsAlloc(), [sender.toString()]: { balance: 10n ** 24n } },
  });
  const authorizations = Array.from({ length: 12 }, (_, i) =>
    eoaCode7702SignAuthorization(
      {
        chainId: "0x539",
        address: "0x00000000000000000000000000000000000000bb",
        nonce: `0x${i.toString(16)}`,
      },
      hexToBytes(`0x${(i + 40).toString(16).padStart(64, "0")}`),
    ),
  );
  return chain.buildBlock([
    createLegacyTx({ nonce: 0n, gasPrice: 10n ** 10n, gasLimit: 21_000n, to, value: 1n }, { common }).sign(
      key,
    ),
    createAccessList2930Tx(
      {
        nonce: 1n,
        gasPrice: 10n ** 10n,
        gasLimit: 30_000n,
        to,
        accessList: [{ address: to, storageKeys: [`0x${"00".repeat(31)}01`] }],
      },
      { common },
    ).sign(key),
    createFeeMarket1559Tx({ nonce: 2n, ...fees, gasLimit: 21_000n, to, value: 2n }, { common }).sign(key),
    createBlob4844Tx(
      {
        nonce: 3n,
        ...fees,
        maxFeePerBlobGas: 10n ** 9n,
        gasLimit: 21_000n,
        to,
        blobVersionedHashes: [`0x01${"ab".repeat(31)}`],
      },
      { common },
    ).sign(key),
    createEOACode7702Tx(
      { nonce: 4n, ...fees, gasLimit: 400_000n, to, authorizationList: authorizations },
      { common },
    ).sign(key),
  ]);
}
