import { randomBytes } from "node:crypto";
import { getActivePrecompiles, type PrecompileInput } from "@ethereumjs/evm";
import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { createFixtureCommon } from "../src/index.js";
import { blake2fPrecompile } from "../src/precompiles/blake2f.js";

const common = createFixtureCommon("Cancun");
const library = getActivePrecompiles(common).get("0000000000000000000000000000000000000009")!;

/** EIP-152's input: rounds (4 bytes, big-endian), h (64), m (128), t (16), final (1). */
function input(rounds: number, h: Uint8Array, m: Uint8Array, t: Uint8Array, final: number): Uint8Array {
  const data = new Uint8Array(213);
  new DataView(data.buffer).setUint32(0, rounds);
  data.set(h, 4);
  data.set(m, 68);
  data.set(t, 196);
  data[212] = final;
  return data;
}

const run = (data: Uint8Array, gasLimit = 10n ** 9n) =>
  ({ data, gasLimit, common }) as unknown as PrecompileInput;

describe("the WebAssembly BLAKE2F precompile", () => {
  it("computes BLAKE2b-512 of 'abc' in 12 rounds (EIP-152's vector 4, RFC 7693's example)", () => {
    const h = new Uint8Array(64);
    const view = new DataView(h.buffer);
    const iv = [
      0x6a09e667f3bcc908n ^ 0x01010040n,
      0xbb67ae8584caa73bn,
      0x3c6ef372fe94f82bn,
      0xa54ff53a5f1d36f1n,
      0x510e527fade682d1n,
      0x9b05688c2b3e6c1fn,
      0x1f83d9abfb41bd6bn,
      0x5be0cd19137e2179n,
    ];
    for (const [i, word] of iv.entries()) view.setBigUint64(8 * i, word, true);
    const m = new Uint8Array(128);
    m.set(Buffer.from("abc"));
    const t = new Uint8Array(16);
    t[0] = 3;
    const result = blake2fPrecompile(run(input(12, h, m, t, 1)));
    expect(result.exceptionError).toBeUndefined();
    expect(result.executionGasUsed).toBe(12n);
    expect(result.returnValue).toEqual(blake2b(Buffer.from("abc")));
  });

  it("answers what @ethereumjs's precompile answers, output, gas and failures", async () => {
    const cases: [string, Uint8Array, bigint?][] = [];
    for (let i = 0; i < 40; i++) {
      cases.push([`random ${i}`, input(i * 7, randomBytes(64), randomBytes(128), randomBytes(16), i % 2)]);
    }
    cases.push(["zero rounds", input(0, randomBytes(64), randomBytes(128), randomBytes(16), 1)]);
    cases.push(["too short", randomBytes(212)]);
    cases.push(["too long", new Uint8Array(214)]);
    cases.push(["final flag 2", input(1, randomBytes(64), randomBytes(128), randomBytes(16), 2)]);
    cases.push(["out of gas", input(1000, randomBytes(64), randomBytes(128), randomBytes(16), 0), 999n]);
    cases.push([
      "rounds = 2^32 - 1, out of gas",
      input(0xffffffff, randomBytes(64), randomBytes(128), randomBytes(16), 0),
    ]);
    for (const [label, data, gasLimit] of cases) {
      const ours = blake2fPrecompile(run(data, gasLimit));
      const theirs = await library(run(data, gasLimit));
      expect(ours.returnValue, label).toEqual(theirs.returnValue);
      expect(ours.executionGasUsed, label).toBe(theirs.executionGasUsed);
      expect(ours.exceptionError?.error, label).toBe(theirs.exceptionError?.error);
    }
  });
});
