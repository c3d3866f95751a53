/**
 * Restart: the prover client, as a child process, is killed with SIGKILL in the middle of
 * proving, then started again on the same data directory. Every task completes, no proof is
 * stored twice, and the CL accepts each checkpoint exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { StatusSummary } from "@paas/core";
import type { Devnet } from "@paas/devnet";
import { JsonRpcClient } from "@paas/jsonrpc";
import SqliteDatabase from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tempDatadir, until } from "../support/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../support/devnet.js";

const BIN = path.join(import.meta.dirname, "../../bin/paas.mjs");
/** Enough work that the kill lands mid-proof even on a fast machine. */
const CHECKPOINTS = 10;

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let child: ChildProcess | undefined;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await devnet?.close();
  data?.remove();
});

/** Starts `paas start` on the data directory and returns its JSON-RPC client once it listens. */
async function startChild(): Promise<JsonRpcClient> {
  const args = [
    BIN,
    "start",
    "--datadir",
    data.dir,
    "--cl-url",
    devnet.url,
    "--el-url",
    devnet.url,
    "--port",
    "0",
  ];
  const settings = [
    "plugin_settings.checkpoint.interval_ms=100",
    "retry.base_delay_ms=100",
    "retry.max_delay_ms=500",
  ];
  child = spawn(process.execPath, [...args, "--no-progress", ...settings.flatMap((s) => ["--set", s])], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PAAS_LOG_LEVEL: "warn" },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /json-rpc\s+(http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child!.once("exit", (code) => reject(new Error(`prover client exited with ${code}: ${out}`)));
  });
  return new JsonRpcClient({ url, timeoutMs: 5_000 });
}

async function kill(signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child!.kill(signal);
  await exited;
}

it("completes everything after SIGKILL mid-proof, storing each proof once", {
  timeout: 180_000,
}, async () => {
  const accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(CHECKPOINTS);

  let client = await startChild();
  const summary = () => client.call<StatusSummary>("paas_getReport", []);
  await until(
    async () => (await summary()).byStatus.proving > 0 && accepted.size >= 1,
    "proofs in flight",
    60_000,
  );
  await kill("SIGKILL");
  const acceptedBeforeCrash = accepted.size;
  expect(acceptedBeforeCrash).toBeLessThan(CHECKPOINTS);

  client = await startChild();
  await until(() => accepted.size === CHECKPOINTS, "every checkpoint accepted", 120_000);
  await until(async () => {
    const { byStatus, total } = await summary();
    return byStatus.completed === total;
  }, "every task completed");
  await kill("SIGTERM");
  child = undefined;

  for (let i = 0; i < CHECKPOINTS; i++) expect(accepted.get(i)).toBe(1);
  const db = new SqliteDatabase(path.join(data.dir, "paas.sqlite"), { readonly: true });
  const receipts = db.prepare("select count(*) as n, count(distinct task_id) as d from receipts").get() as {
    n: number;
    d: number;
  };
  const tasks = db.prepare("select count(*) as n from tasks where status = 'completed'").get() as {
    n: number;
  };
  db.close();
  expect(receipts.n).toBe(receipts.d);
  expect(receipts.n).toBe(tasks.n);
  expect(tasks.n).toBe(3 * CHECKPOINTS);
});
