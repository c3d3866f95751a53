/**
 * `paas prune` waits for the prune, however long the database takes (SQLite's VACUUM of a few GiB
 * takes tens of seconds), and never sends it twice.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PruneResult } from "@paas/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runCli } from "../scenarios/app.js";

const RESULT: PruneResult = {
  tasks: 3,
  receiptsExported: 0,
  receiptsDeleted: 3,
  bytesBefore: 4096,
  bytesAfter: 2048,
};

let server: Server;
let url: string;
const methods: string[] = [];

beforeAll(async () => {
  // A prover client whose prune answers after 31 s: past the 30 s the other commands wait.
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      methods.push(method);
      setTimeout(() => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: RESULT }));
      }, 31_000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

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
