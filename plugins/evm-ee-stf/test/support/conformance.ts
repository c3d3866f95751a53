import { randomBytes } from "node:crypto";
import path from "node:path";
import { readFixtureFile } from "@paas/evm";
import { ethereumInvalidTestsDir, ethereumTestsDir } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConformanceResult,
  listConformanceFiles,
  readConformanceCases,
  runConformance,
} from "../../src/index.js";

/**
 * One test per blockchain test of every `shards`-th fixture file from `shard`, over both fixture
 * folders (valid blocks; invalid blocks and a fork transition). The shard's tests run up front on a
 * native host of one worker and one witness thread, one test at a time: vitest runs the two shard
 * files in parallel, and with a test each they keep the two cores busy without starving the
 * other test files of the run. Each test then checks its own result: passed, every valid block
 * proven and every invalid block refused by the program.
 */
export function conformanceShard(shard: number, shards: number): void {
  const dirs = [ethereumTestsDir(), ethereumInvalidTestsDir()];
  const files = dirs
    .flatMap((dir) => listConformanceFiles(dir))
    .filter((_, index) => index % shards === shard);
  describe(`Ethereum Foundation BlockchainTests through the program (shard ${shard + 1} of ${shards})`, () => {
    let host: NativeHost | undefined;
    const results = new Map<string, ConformanceResult>();
    const key = (file: string, name: string) => `${file}\n${name}`;

    beforeAll(async () => {
      host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
      const summary = await runConformance(host, files, { concurrency: 1, witnessThreads: 1 });
      for (const result of summary.results) results.set(key(result.file, result.name), result);
    }, 600_000);
    afterAll(async () => {
      await host?.close();
    });

    it("finds the fixtures of both folders", () => {
      for (const dir of dirs) expect(files.some((file) => file.startsWith(dir))).toBe(true);
    });
    for (const file of files) {
      const fixtures = readFixtureFile(file);
      for (const test of readConformanceCases(file)) {
        const blocks = fixtures[test.name]!.blocks;
        const invalid = blocks.filter((block) => block.expectException !== undefined).length;
        it(`${path.relative(path.dirname(path.dirname(file)), file)} ${test.name}`, () => {
          const result = results.get(key(file, test.name));
          expect(result?.error).toBeUndefined();
          expect(result?.status).toBe("passed");
          expect(result?.invalidRefused).toBe(invalid);
          expect(result?.validProven).toBe(blocks.length - invalid);
        });
      }
    }
  });
}
