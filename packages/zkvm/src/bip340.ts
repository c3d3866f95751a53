import * as secp256k1 from "tiny-secp256k1";

/**
 * BIP340 Schnorr signatures, through libsecp256k1 compiled to WebAssembly (bitcoinjs'
 * tiny-secp256k1). Signing is the native host's main-thread cost per receipt and verifying the
 * guests' cost per inner receipt and L2 block; the library is about fifteen times faster than the
 * pure-JavaScript implementation here, and gives the same signatures (deterministic, fixed
 * auxiliary randomness).
 */

/** Fixed auxiliary randomness: signing stays secure, and the same message gives the same signature. */
const AUX_RAND = new Uint8Array(32);

export function signSchnorr(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return secp256k1.signSchnorr(message, secretKey, AUX_RAND);
}

/** Whether `signature` signs `message` under the x-only `publicKey`; false for malformed input. */
export function verifySchnorr(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return secp256k1.verifySchnorr(message, publicKey, signature);
  } catch {
    return false;
  }
}

/** The x-only public key (32 bytes) of a secret key. */
export function schnorrPublicKey(secretKey: Uint8Array): Uint8Array {
  const key = secp256k1.xOnlyPointFromScalar(secretKey);
  return new Uint8Array(key);
}
