/**
 * The EVM EE STF receipt the guest verifies recursively: forged, of another program or version,
 * proving other EL blocks than the range carries, or executed under another chain's rules. Every
 * rejection is permanent and names the check and the slots. And the params the guest checks
 * against: whatever the prover passes, the output commits to their root.
 */
import { PermanentError, type ProofContext, type ProofReceipt } from "@paas/core";
import {
  EVM_EE_STF,
  type EvmBlockCommitment,
  EvmEeStfContextSchema,
  rollupParamsRoot,
  toHex,
} from "@paas/rollup";
import { signReceipt } from "@paas/testing";
import { programIdOf } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClStfInput, clStfProgram } from "../src/index.js";
import {
  buildTestChain,
  contextFor,
  type ExecutedUnder,
  elBlocksIn,
  evmEeStfPublicValues,
  hash,
  OTHER_KEY,
  resignedChain,
  type TestChain,
} from "../src/testing.js";
import { type ClStfSetup, permanentError, setUpClStf } from "./fixtures/harness.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });
const honest = (context: ProofContext): Uint8Array => {
  const { start, end } = EvmEeStfContextSchema.parse(context);
  return evmEeStfPublicValues(chain, elBlocksIn(chain, start.number, end.number));
};

describe("an EVM EE STF proof of other EL blocks than the range carries", () => {
  let setup: ClStfSetup;
  /** What the stand-in "proves" for the next test. */
  let publicValues: (context: ProofContext) => Uint8Array = honest;
  const proving = (blocks: (from: number, to: number) => EvmBlockCommitment[], under: ExecutedUnder = {}) => {
    publicValues = (context) => {
      const { start, end } = EvmEeStfContextSchema.parse(context);
      return evmEeStfPublicValues(chain, blocks(start.number, end.number), under);
    };
  };

  beforeAll(async () => {
    setup = await setUpClStf({ chain, standIn: { publicValues: (context) => publicValues(context) } });
  });
  afterAll(async () => {
    await setup.close();
  });

  async function rejection(start: number, end: number): Promise<string> {
    const { record } = await setup.harness.prove(contextFor(chain, start, end));
    return permanentError(record);
  }

  it("one EL block more than the range carries", async () => {
    proving((from, to) => elBlocksIn(chain, from, to + 1));
    expect(await rejection(1, 3)).toMatch(
      /slots 1\.\.3 rejected by the EXEC_COVERAGE check: the EVM EE STF proof covers EL blocks 1\.\.4 \(4\), the range carries 1\.\.3 \(3\)/,
    );
  });

  it("one EL block fewer than the range carries", async () => {
    proving((from, to) => elBlocksIn(chain, from, to - 1));
    expect(await rejection(4, 6)).toMatch(
      /block at slot 6 rejected by the EXEC_SEGMENT check: no proven EL block numbered 6/,
    );
  });

  it("the EL blocks of another EL chain", async () => {
    proving((from, to) =>
      elBlocksIn(chain, from, to).map((b) => (b.number === 8 ? { ...b, stateRoot: hash("other state") } : b)),
    );
    expect(await rejection(7, 8)).toMatch(
      /block at slot 8 rejected by the EXEC_SEGMENT check: exec segment differs from the proven EL block: state root/,
    );
  });

  it("the right EL blocks in another order", async () => {
    proving((from, to) => {
      const [a, b, c] = elBlocksIn(chain, from, to);
      return [a!, c!, b!];
    });
    expect(await rejection(9, 11)).toMatch(
      /slots 9\.\.11 rejected by the EXEC_COVERAGE check: the EVM EE STF proof covers EL blocks \[9, 11, 10\] \(3\)/,
    );
  });

  it("the right EL blocks, executed under another chain's rules", async () => {
    proving((from, to) => elBlocksIn(chain, from, to), { chainId: 7 });
    expect(await rejection(14, 15)).toMatch(
      /slots 14\.\.15 rejected by the EVM_EE_CHAIN_ID check: the EVM EE STF proof executed its EL blocks under the rules of chain 7, the rollup params name chain 4242/,
    );
  });

  it("the right EL blocks, executed under another chain spec (fork schedule)", async () => {
    const other = hash("another chain spec");
    proving((from, to) => elBlocksIn(chain, from, to), { chainSpecHash: other });
    expect(await rejection(16, 16)).toContain(
      `slots 16..16 rejected by the EVM_EE_CHAIN_SPEC check: the EVM EE STF proof executed its EL blocks under the chain spec with hash ${toHex(other)}, the rollup params name ${toHex(chain.params.elChainSpecHash)}`,
    );
  });

  it("public values that are not an EvmEeStfOutput", async () => {
    publicValues = () => new Uint8Array([1, 2, 3, 4, 5]);
    expect(await rejection(12, 13)).toMatch(
      /slots 12\.\.13 rejected by the EVM_EE_OUTPUT check: the EVM EE STF public values are not an EvmEeStfOutput/,
    );
  });

  describe("the rollup params the guest checks against, proven directly on the harness's native host", () => {
    // Someone copies the real chain's blocks, re-signs them with their own key and passes params
    // naming that key: every block check passes, and the chainstates are the real ones.
    const forger = resignedChain(chain, OTHER_KEY);
    const outputOf = async (served: TestChain) => {
      const evmEeReceipt = setup.harness.receiptFor(
        EVM_EE_STF.program,
        evmEeStfPublicValues(chain, elBlocksIn(chain, 9, 16)),
      );
      const input: ClStfInput = {
        params: served.params,
        chainstate: chain.chainstates[8]!,
        blocks: served.blocks.slice(8, 16),
        evmEeReceipt,
      };
      return clStfProgram.readOutput((await setup.harness.host.prove(clStfProgram, input)).publicValues);
    };

    it("the output commits to the root of the params the guest was given", async () => {
      expect((await outputOf(chain)).paramsRoot).toEqual(rollupParamsRoot(chain.params));
    });

    it("re-signed blocks under the re-signer's params: the real roots, the re-signer's params root", async () => {
      const [honest, forged] = await Promise.all([outputOf(chain), outputOf(forger)]);
      expect({ ...forged, paramsRoot: undefined }).toEqual({ ...honest, paramsRoot: undefined });
      expect(forged.paramsRoot).toEqual(rollupParamsRoot(forger.params));
      expect(forged.paramsRoot).not.toEqual(honest.paramsRoot);
    });
  });

  describe("forged receipts, proven directly on the harness's native host", () => {
    const pv = evmEeStfPublicValues(chain, elBlocksIn(chain, 9, 16));
    const inputWith = (evmEeReceipt: ProofReceipt): ClStfInput => ({
      params: chain.params,
      chainstate: chain.chainstates[8]!,
      blocks: chain.blocks.slice(8, 16),
      evmEeReceipt,
    });
    const refusal = async (receipt: ProofReceipt): Promise<Error> => {
      const error = await setup.harness.host.prove(clStfProgram, inputWith(receipt)).then(
        () => new Error("the forged receipt was accepted"),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toContain("slots 9..16 rejected by the EVM_EE_RECEIPT check");
      return error;
    };

    it("the genuine receipt is accepted (the control)", async () => {
      const receipt = setup.harness.receiptFor(EVM_EE_STF.program, pv);
      const proven = await setup.harness.host.prove(clStfProgram, inputWith(receipt));
      expect(clStfProgram.readOutput(proven.publicValues)).toMatchObject({ epoch: 1, start: 9, end: 16 });
    });

    it("a flipped byte in the proof", async () => {
      const receipt = setup.harness.receiptFor(EVM_EE_STF.program, pv);
      const proof = receipt.proof.slice();
      proof[3]! ^= 0x80;
      expect((await refusal({ ...receipt, proof })).message).toContain("the signature does not verify");
    });

    it("a flipped byte in the public values", async () => {
      const receipt = setup.harness.receiptFor(EVM_EE_STF.program, pv);
      const publicValues = receipt.publicValues.slice();
      publicValues[40]! ^= 0x01;
      expect((await refusal({ ...receipt, publicValues })).message).toContain(
        "the signature does not verify",
      );
    });

    it("a receipt signed by another host key", async () => {
      const receipt = signReceipt(OTHER_KEY, EVM_EE_STF.program, pv);
      expect((await refusal(receipt)).message).toContain("the signature does not verify");
    });

    it("a receipt of another proof type", async () => {
      const receipt = setup.harness.receiptFor({ ...EVM_EE_STF.program, proofType: "core" }, pv);
      expect((await refusal(receipt)).message).toContain('proof type is "core", expected "compressed"');
    });
  });
});

describe("an EVM EE STF stand-in with another program identity, through the whole pipeline", () => {
  const cases = [
    {
      what: "the previous version of the EVM EE STF program (v1: its output names no chain)",
      program: { ...EVM_EE_STF.program, version: "1" },
      range: [1, 8] as const,
    },
    {
      what: "another program altogether",
      program: { name: "not-the-evm-ee-stf", version: "1", proofType: "compressed" as const },
      range: [9, 16] as const,
    },
  ];
  const setups: ClStfSetup[] = [];
  beforeAll(async () => {
    setups.push(
      ...(await Promise.all(
        cases.map(({ program }) => setUpClStf({ chain, standIn: { program, publicValues: honest } })),
      )),
    );
  });
  afterAll(async () => {
    await Promise.all(setups.map((s) => s.close()));
  });

  it.each(cases.map((c, i) => [c.what, i] as const))("%s is refused", async (_what, i) => {
    const { program, range } = cases[i]!;
    const { harness } = setups[i]!;
    const context = contextFor(chain, range[0], range[1]);
    const { record } = await harness.prove(context);
    const error = permanentError(record);
    expect(error).toContain(`slots ${range[0]}..${range[1]} rejected by the EVM_EE_RECEIPT check`);
    const got = toHex(programIdOf(program.name, program.version)).slice(2);
    const expected = toHex(programIdOf(EVM_EE_STF.program.name, EVM_EE_STF.program.version)).slice(2);
    expect(error).toContain(`it proves program 0x${got}, expected 0x${expected}`);
    expect(harness.statusesOf(context)).not.toContain("transient_failure");
  });
});
