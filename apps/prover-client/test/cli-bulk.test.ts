/**
 * `paas cancel` and `paas retry` with filters wait for the whole bulk action, however long it
 * takes (a cancel of 100k queued tasks on PostgreSQL: minutes), and never send it twice: a second
 * call ran beside the first, on the same tasks, and the answer printed was the second's.
 */
import type { BulkResult } from "@paas/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runCli } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const TOKEN = ["--token", "an-operator-token-0123456789"];
let server: Awaited<ReturnType<typeof stubProverRpc>>;
const methods: string[] = [];

beforeAll(async () => {
  // A prover client whose bulk actions answer after 31 s: past the 30 s other commands wait.
  server = await stubProverRpc(async ({ method }) => {
    methods.push(method);
    await new Promise((resolve) => setTimeout(resolve, 31_000));
    const result: BulkResult = { matched: 20_000, changed: 20_000 };
    return { result };
  });
});

afterAll(() => server.close());

it("waits for a long bulk cancel and retry and sends each once", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const [cancelled, retried] = await Promise.all([
    runCli(server.url, ["cancel", "--kind", "leaf", ...TOKEN]),
    runCli(server.url, ["retry", "--status", "cancelled", ...TOKEN]),
  ]);
  expect(cancelled).toMatchObject({ code: 0, stdout: "cancelled 20000 of 20000 matching tasks\n" });
  expect(retried).toMatchObject({ code: 0, stdout: "retried 20000 of 20000 matching tasks\n" });
  expect(methods.sort()).toEqual(["paas_cancelTasks", "paas_retryTasks"]);
});
