import { randomBytes } from "node:crypto";
import path from "node:path";
import { ethereumTestsDir } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConformanceResult,
  listConformanceFiles,
  readConformanceCases,
  runConformance,
} from "../../src/index.js";

/**
 * One test per blockchain test of every `shards`-th fixture file from `shard` (of `ethereumTestsDir()`). The shard's tests are
 * proven up front on a native host of one worker, two at a time (one test's witnesses are built on
 * this thread while the other is proven), and each test then checks its own result. Vitest runs the
 * shard files in parallel.
 */
export function conformanceShard(shard: number, shards: number): void {
  const dir = ethereumTestsDir();
  const files = listConformanceFiles(dir).filter((_, index) => index % shards === shard);
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
        it(`${path.relative(dir, file)} ${test.name}`, () => {
          const result = results.get(key(file, test.name));
          expect(result?.error).toBeUndefined();
          expect(result?.passed).toBe(true);
        });
      }
    }
  });
}
