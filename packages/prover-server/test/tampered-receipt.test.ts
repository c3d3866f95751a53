/**
 * A receipt altered in the server's job table (a disk fault, someone with access to the datadir)
 * is refused by the client that fetches it: it verifies every receipt against the key it trusts.
 */
import { PermanentError } from "@paas/core";
import { decodeReceipt, encodeReceipt } from "@paas/zkvm";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { remoteHostOf, serverPerTest } from "./helpers.js";

const { start } = serverPerTest();
let server: ProverServer;

it("has the client refuse a receipt altered in the server's job table", async () => {
  server = await start();
  const recorded: string[] = [];
  const job = (requestId: string) => ({ requestId, record: async (id: string) => void recorded.push(id) });
  const signal = new AbortController().signal;
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job: job("task-a") });
  // A later job: the server checks the latest receipt against its key at start, not the others.
  await remoteHostOf(server).prove(sumProgram, [3, 4], { signal, job: job("task-b") });
  const { databaseFile } = server;
  await server.close();

  const table = new Database(databaseFile);
  const { receipt } = table.prepare("select receipt from jobs where id = ?").get(recorded[0]) as {
    receipt: Uint8Array;
  };
  // Another sum, the signature left as it was.
  const altered = {
    ...decodeReceipt(receipt),
    publicValues: decodeReceipt(receipt).publicValues.map((b, i, all) => (i === all.length - 1 ? b ^ 1 : b)),
  };
  table.prepare("update jobs set receipt = ? where id = ?").run(encodeReceipt(altered), recorded[0]);
  table.close();

  server = await start();
  const resumed = remoteHostOf(server).prove(sumProgram, [1, 2], {
    signal,
    job: { ...job("task-a"), previousId: recorded[0]! },
  });
  await expect(resumed).rejects.toThrow(PermanentError);
  await expect(resumed).rejects.toThrow(/the receipt of remote job .* is refused: .*signature/);
});
