/**
 * `paas prune` waits for the prune, however long the database takes (SQLite's VACUUM of a few GiB
 * takes tens of seconds), and never sends it twice.
 */
import type { PruneResult } from "@paas/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runCli } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const RESULT: PruneResult = {
  tasks: 3,
  receiptsExported: 0,
  receiptsDeleted: 3,
  bytesBefore: 4096,
  bytesAfter: 2048,
};

let server: Awaited<ReturnType<typeof stubProverRpc>>;
let url: string;
const methods: string[] = [];

beforeAll(async () => {
  // A prover client whose prune answers after 31 s: past the 30 s the other commands wait.
  server = await stubProverRpc(async ({ method }) => {
    methods.push(method);
    await new Promise((resolve) => setTimeout(resolve, 31_000));
    return { result: RESULT };
  });
  url = server.url;
});

afterAll(() => server.close());

it("waits for a long prune and sends it once", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const pruned = await runCli(url, [
    "prune",
    "--older-than",
    "7d",
    "--delete-receipts",
    "--token",
    "an-operator-token-0123456789",
  ]);
  expect(pruned).toMatchObject({
    code: 0,
    stdout:
      "pruned 3 tasks\ndatabase: 4.0 KiB before, 2.0 KiB after (the freed space is kept for new tasks; --compact gives it back)\n",
  });
  expect(methods).toEqual(["paas_prune"]);
});
