import path from "node:path";
import { describe, expect, it } from "vitest";
import { listFixtureFiles, readFixtureFile, runBlockchainTest } from "../../src/index.js";
import { ethereumTestsDir } from "../../src/testing/index.js";

/**
 * Declares the tests of every `shards`-th fixture file starting at `shard`, one test each, from the
 * Ethereum Foundation fixtures (`ethereumTestsDir()`). Vitest runs test files in parallel, so the
 * shards share the machine's cores.
 */
export function conformanceShard(shard: number, shards: number): void {
  const dir = ethereumTestsDir();
  const files = listFixtureFiles(dir);
  describe(`Ethereum Foundation BlockchainTests (shard ${shard + 1} of ${shards})`, () => {
    it("finds the fixtures", () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const file of files.filter((_, index) => index % shards === shard)) {
      for (const [name, fixture] of Object.entries(readFixtureFile(file))) {
        it(`${path.relative(dir, file)} ${name}`, async () => {
          const result = await runBlockchainTest(name, fixture);
          expect(result.error).toBeUndefined();
          expect(result.passed).toBe(true);
        });
      }
    }
  });
}
