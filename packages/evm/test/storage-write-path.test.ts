import { createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { settleWithinTurn } from "../src/execution/settle.js";
import { createDevnetCommon, EvmError, ExecutionChain, MissingWitnessNodeError } from "../src/index.js";
import { createStateManager } from "../src/state/state-manager.js";
import { WitnessDB } from "../src/state/witness-db.js";
import { witnessEntries } from "../src/stateless/load-witness.js";

const common = createDevnetCommon(1);
const contract = createAddressFromString("0x00000000000000000000000000000000000000cc");
const slot = (n: number) => setLengthLeft(new Uint8Array([n]), 32);

describe("the storage write path", () => {
  it("settles a never-settling execution as EXECUTION_STALLED instead of hanging", async () => {
    await expect(settleWithinTurn(new Promise(() => {}), 9n)).rejects.toMatchObject({
      code: "EXECUTION_STALLED",
    });
  });

  it("fails with the missing node when a deletion collapses a branch onto a node the witness lacks", async () => {
    const chain = await ExecutionChain.create({
      common,
      alloc: { [contract.toString()]: { code: "0x00", storage: { "0x01": "0x11", "0x02": "0x22" } } },
    });
    const full = chain.fullWitness();
    const root = chain.head.block.header.stateRoot;
    let writeOnlyNodes = 0;
    for (const [index] of full.state.entries()) {
      const entries = witnessEntries({ ...full, state: full.state.filter((_, i) => i !== index) });
      const state = createStateManager(new WitnessDB(entries, 1n), common, root);
      const readable = await state.getStorage(contract, slot(1)).then(
        () => true,
        () => false,
      );
      if (!readable) continue;
      // Slot 1 reads fine; clearing it collapses the branch onto slot 2's leaf, read only now.
      const clear = async () => {
        await state.putStorage(contract, slot(1), new Uint8Array());
        return state.getStateRoot();
      };
      const failure = await settleWithinTurn(clear(), 1n).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(MissingWitnessNodeError);
      writeOnlyNodes++;
    }
    expect(writeOnlyNodes).toBeGreaterThan(0);
  });

  it("is typed: every failure above is an EvmError", () => {
    expect(new MissingWitnessNodeError("0x00", 1n)).toBeInstanceOf(EvmError);
  });
});
