import { randomBytes } from "node:crypto";
import path from "node:path";
import { NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConformanceResult,
  listConformanceFiles,
  readConformanceCases,
  runConformance,
} from "../../src/index.js";

/** The Ethereum Foundation fixtures, beside the repository (`../shared/fixtures/ethereum-tests`). */
export const FIXTURES_DIR = path.resolve(
  import.meta.dirname,
  "../../../../../shared/fixtures/ethereum-tests",
);

/**
 * One test per blockchain test of every `shards`-th fixture file from `shard`. The shard's tests are
 * proven up front on a native host of one worker, two at a time (one test's witnesses are built on
 * this thread while the other is proven), and each test then checks its own result. Vitest runs the
 * shard files in parallel.
 */
export function conformanceShard(shard: number, shards: number): void {
  const files = listConformanceFiles(FIXTURES_DIR).filter((_, index) => index % shards === shard);
  describe(`Ethereum Foundation BlockchainTests through the program (shard ${shard + 1} of ${shards})`, () => {
    let host: NativeHost | undefined;
    const results = new Map<string, ConformanceResult>();
    const key = (file: string, name: string) => `${file}\n${name}`;

    beforeAll(async () => {
      host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
      const summary = await runConformance(host, files, { concurrency: 2 });
      for (const result of summary.results) results.set(key(result.file, result.name), result);
    }, 600_000);
    afterAll(async () => {
      await host?.close();
    });

    it("finds the fixtures", () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const file of files) {
      for (const test of readConformanceCases(file)) {
        it(`${path.relative(FIXTURES_DIR, file)} ${test.name}`, () => {
          const result = results.get(key(file, test.name));
          expect(result?.error).toBeUndefined();
          expect(result?.passed).toBe(true);
        });
      }
    }
  });
}
