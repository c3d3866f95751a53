import { bigIntToBytes, bytesToBigInt, ecrecover, setLengthLeft } from "@ethereumjs/util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { createDevnetCommon, keccak256, nativeRecoveryAvailable } from "../src/index.js";

/** Deterministic bytes, so a failure reproduces. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe("fast crypto computes what the defaults compute", () => {
  it("keccak-256 equals @noble/hashes for inputs of many sizes", () => {
    for (let length = 0; length < 1200; length += 7) {
      const input = bytes(length, length);
      expect(keccak256(input)).toEqual(keccak_256(input));
    }
  });

  it("loads the native secp256k1 binding on this machine", () => {
    expect(nativeRecoveryAvailable).toBe(true);
  });

  it("recovers the same public key as @ethereumjs/util, with and without EIP-155", () => {
    const recover = createDevnetCommon(1337).customCrypto.ecrecover!;
    for (let i = 1; i < 40; i++) {
      const key = bytes(i, 32);
      const hash = bytes(1000 + i, 32);
      const signature = secp256k1.sign(hash, key, { prehash: false, format: "recovered" });
      const recovery = BigInt(signature[0]!);
      const r = signature.slice(1, 33);
      const s = signature.slice(33, 65);
      expect(recover(hash, recovery + 27n, r, s)).toEqual(ecrecover(hash, recovery + 27n, r, s));
      expect(recover(hash, recovery + 35n + 2n * 1337n, r, s, 1337n)).toEqual(
        ecrecover(hash, recovery + 35n + 2n * 1337n, r, s, 1337n),
      );
      // The ECRECOVER precompile accepts high-s signatures: the flipped signature recovers the same key.
      const highS = setLengthLeft(bigIntToBytes(secp256k1.Point.CURVE().n - bytesToBigInt(s)), 32);
      expect(recover(hash, 28n - recovery, r, highS)).toEqual(ecrecover(hash, 28n - recovery, r, highS));
      expect(recover(hash, 28n - recovery, r, highS)).toEqual(recover(hash, recovery + 27n, r, s));
    }
  });

  it("rejects what @ethereumjs/util rejects", () => {
    const recover = createDevnetCommon(1337).customCrypto.ecrecover!;
    const hash = bytes(7, 32);
    const zero = new Uint8Array(32);
    const order = Uint8Array.from(
      Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex"),
    );
    const cases: [bigint, Uint8Array, Uint8Array][] = [
      [27n, zero, bytes(8, 32)],
      [28n, bytes(9, 32), zero],
      [29n, bytes(10, 32), bytes(11, 32)],
      [27n, order, bytes(12, 32)],
    ];
    for (const [v, r, s] of cases) {
      expect(() => ecrecover(hash, v, r, s)).toThrow();
      expect(() => recover(hash, v, r, s)).toThrow();
    }
  });
});
