import path from "node:path";
import { describe, expect, it } from "vitest";
import { listFixtureFiles, readFixtureFile, runBlockchainTest } from "../../src/index.js";

/** The Ethereum Foundation fixtures, beside the repository (`../shared/fixtures/ethereum-tests`). */
export const FIXTURES_DIR = path.resolve(
  import.meta.dirname,
  "../../../..",
  "../shared/fixtures/ethereum-tests",
);

/**
 * Declares the tests of every `shards`-th fixture file starting at `shard`, one test each. Vitest
 * runs test files in parallel, so the shards share the machine's cores.
 */
export function conformanceShard(shard: number, shards: number): void {
  const files = listFixtureFiles(FIXTURES_DIR);
  describe(`Ethereum Foundation BlockchainTests (shard ${shard + 1} of ${shards})`, () => {
    it("finds the fixtures", () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const file of files.filter((_, index) => index % shards === shard)) {
      for (const [name, fixture] of Object.entries(readFixtureFile(file))) {
        it(`${path.relative(FIXTURES_DIR, file)} ${name}`, async () => {
          const result = await runBlockchainTest(name, fixture);
          expect(result.error).toBeUndefined();
          expect(result.passed).toBe(true);
        });
      }
    }
  });
}
