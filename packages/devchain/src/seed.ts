import { createHash } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";

/** What a chain is derived from: the same seed gives the same chain, byte for byte. */
export type Seed = string | number;

export const DEFAULT_SEED = "paas-devnet";

function sha256(...parts: readonly (string | Uint8Array)[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * A 32-byte secp256k1 secret key derived from the seed for one purpose, e.g. `("account", 3)` or
 * `("sequencer", 0)`: `sha256("paas/devchain/<purpose>/" ‖ seed ‖ "/" ‖ index ‖ "/" ‖ attempt)`, the
 * first attempt that is a valid scalar. Valid for ECDSA (EL accounts) and BIP340 (the sequencer).
 */
export function deriveSecretKey(seed: Seed, purpose: string, index = 0): Uint8Array {
  for (let attempt = 0; ; attempt++) {
    const key = sha256(`paas/devchain/${purpose}/`, String(seed), `/${index}/${attempt}`);
    if (secp256k1.utils.isValidSecretKey(key)) return key;
  }
}

export interface RandomPosition {
  readonly counter: number;
  readonly offset: number;
}

/**
 * A deterministic pseudo-random stream: SHA-256 in counter mode over the seed and a label. Not
 * for secrets; for choosing the workload so that one seed always yields one chain.
 */
export class SeededRandom {
  private block: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private counter = 0;

  constructor(
    private readonly seed: Seed,
    private readonly label: string,
  ) {}

  /** Where the stream is: with the same seed and label, `resume` continues from exactly here. */
  position(): RandomPosition {
    return { counter: this.counter, offset: this.offset };
  }

  resume(position: RandomPosition): void {
    this.counter = position.counter;
    this.offset = position.offset;
    this.block =
      position.counter === 0
        ? new Uint8Array(0)
        : sha256(`paas/devchain/random/${this.label}/`, String(this.seed), `/${position.counter - 1}`);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (this.offset >= this.block.length) {
        this.block = sha256(`paas/devchain/random/${this.label}/`, String(this.seed), `/${this.counter++}`);
        this.offset = 0;
      }
      out[i] = this.block[this.offset++]!;
    }
    return out;
  }

  /** A uniform-enough integer in `[min, max]` (inclusive); modulo bias is irrelevant here. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`bad range [${min}, ${max}]`);
    }
    const [a, b, c, d] = this.bytes(4);
    const value = ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
    return min + (value % (max - min + 1));
  }

  /** A bigint in `[min, max]` (inclusive), for wei amounts. */
  bigint(min: bigint, max: bigint): bigint {
    const span = max - min + 1n;
    let value = 0n;
    for (const byte of this.bytes(16)) value = (value << 8n) | BigInt(byte);
    return min + (value % span);
  }

  chance(probability: number): boolean {
    return this.int(0, 9999) < probability * 10_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by weight: `[[item, weight], …]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.int(0, total - 1);
    for (const [item, weight] of entries) {
      if (point < weight) return item;
      point -= weight;
    }
    throw new RangeError("weighted pick with no positive weight");
  }
}
