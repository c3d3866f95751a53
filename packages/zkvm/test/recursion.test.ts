import { PermanentError, type ProofReceipt } from "@paas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NativeHost } from "../src/index.js";
import { evenOnlyProgram, sumOfSumsProgram, sumProgram } from "./fixtures/programs.js";

const signal = () => new AbortController().signal;
let host: NativeHost;
let otherHost: NativeHost;
let inner: ProofReceipt[];

beforeAll(async () => {
  host = new NativeHost({ workers: 2, privateKey: "01".repeat(32) });
  otherHost = new NativeHost({ workers: 1, privateKey: "02".repeat(32) });
  inner = await Promise.all([
    host.prove(sumProgram, [1, 2], { signal: signal() }),
    host.prove(sumProgram, [10, 20, 30], { signal: signal() }),
  ]);
});
afterAll(() => Promise.all([host.close(), otherHost.close()]));

/** Proves the outer program over the given inner receipts; returns the failure message. */
async function outerFailure(receipts: readonly ProofReceipt[]): Promise<string> {
  const error = await host.prove(sumOfSumsProgram, receipts, { signal: signal() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return (error as PermanentError).message;
}

describe("recursion through readVerified", () => {
  it("accepts genuine inner receipts and commits what they prove", async () => {
    const outer = await host.prove(sumOfSumsProgram, inner, { signal: signal() });
    host.verify(outer, sumOfSumsProgram);
    expect(sumOfSumsProgram.readOutput(outer.publicValues)).toEqual({ receipts: 2, total: 63n });
  });

  it("rejects a forged inner proof", async () => {
    const forged = { ...inner[1]!, proof: new Uint8Array(64).fill(7) };
    expect(await outerFailure([inner[0]!, forged])).toMatch(
      /the guest failed: readVerified, input item 2: receipt rejected: the signature does not verify against host key/,
    );
  });

  it("rejects inner public values changed after signing", async () => {
    const changed = { ...inner[0]!, publicValues: inner[1]!.publicValues };
    expect(await outerFailure([changed])).toMatch(
      /input item 1: receipt rejected: the signature does not verify/,
    );
  });

  it("rejects a receipt of another program", async () => {
    const other = await host.prove(evenOnlyProgram, 2, { signal: signal() });
    expect(await outerFailure([other])).toMatch(
      new RegExp(
        `receipt rejected: it proves program 0x${evenOnlyProgram.programIdHex}, expected 0x${sumProgram.programIdHex}`,
      ),
    );
  });

  it("rejects a receipt signed by another host's key", async () => {
    const foreign = await otherHost.prove(sumProgram, [1, 2], { signal: signal() });
    otherHost.verify(foreign, sumProgram);
    expect(await outerFailure([foreign])).toMatch(
      new RegExp(`the signature does not verify against host key 0x${host.publicKeyHex}`),
    );
  });

  it("rejects another zkvm tag, version or proof type", async () => {
    const tampered = (metadata: Partial<ProofReceipt["metadata"]>) => ({
      ...inner[0]!,
      metadata: { ...inner[0]!.metadata, ...metadata },
    });
    expect(await outerFailure([tampered({ zkvm: "risc0" })])).toMatch(/made by zkvm "risc0"/);
    expect(await outerFailure([tampered({ version: "2" })])).toMatch(/version is "2", expected "1"/);
    expect(await outerFailure([tampered({ proofType: "core" })])).toMatch(
      /proof type is "core", expected "compressed"/,
    );
  });
});
