import { describe, expect, it } from "vitest";
import { createFixtureChain, type ExecutionChain, listFixtureFiles, readFixtureFile } from "../src/index.js";
import { ethereumTestsDir } from "../src/testing/index.js";

/** What the chain's state database holds beyond the head state (0 when it holds exactly that). */
function surplus(chain: ExecutionChain): number {
  const { state, codes } = chain.fullWitness(); // fails on any node or code the head needs and lacks
  return chain.stateEntries - (state.length + codes.length);
}

/**
 * The state database drops what older states alone reached (reference counts): after every block of
 * every Ethereum Foundation blockchain test, it holds exactly the head state — nothing the head
 * lacks, nothing more.
 */
describe("the recording chain's state after every block of the Ethereum Foundation tests", () => {
  it("is the head state, exactly", async () => {
    let blocks = 0;
    for (const file of listFixtureFiles(ethereumTestsDir())) {
      for (const [name, fixture] of Object.entries(readFixtureFile(file))) {
        const chain = await createFixtureChain(fixture);
        expect(surplus(chain), `${name} genesis`).toBe(0);
        for (const block of fixture.blocks) {
          await chain.importBlock(block.rlp);
          expect(surplus(chain), `${name} block ${chain.latestNumber}`).toBe(0);
          blocks++;
        }
      }
    }
    expect(blocks).toBeGreaterThan(0);
  }, 120_000);
});
