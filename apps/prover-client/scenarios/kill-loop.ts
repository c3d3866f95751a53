/**
 * The prover client as a child process (`paas start`), killed with SIGKILL at random moments and
 * started again on the same data directory, round after round; then left to finish. Nothing may be
 * lost, nothing accepted or stored twice, and the SQLite file must pass its integrity check. Used
 * by the kill -9 test (a few rounds) and `npm run soak` (many).
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { StatusSummary } from "@paas/core";
import { JsonRpcClient, readRpcTokenFile } from "@paas/jsonrpc";
import { until } from "@paas/testing";
import SqliteDatabase from "better-sqlite3";
import { spawnProverClient, stopChild, tempDatadir } from "./app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "./devnet.js";

export interface KillLoopOptions {
  readonly rounds: number;
  /** Checkpoints (epochs) the devnet has from the start. */
  readonly checkpoints: number;
  /** Longest random wait between the child answering and its SIGKILL. */
  readonly maxRunMs: number;
  readonly log?: (line: string) => void;
}

export interface KillLoopResult {
  readonly checkpoints: number;
  /** Checkpoint index → how many times the CL accepted a proof of it. */
  readonly accepted: ReadonlyMap<number, number>;
  /** Kills that landed while a proof was in flight. */
  readonly killsMidProof: number;
  readonly receipts: number;
  readonly distinctReceipts: number;
  readonly completedTasks: number;
  readonly tasks: number;
  readonly integrity: string;
}

export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopResult> {
  const log = options.log ?? (() => {});
  const data = tempDatadir();
  const devnet = await startTrustingDevnet(data.dir);
  const accepted = acceptedCheckpoints(devnet);
  let child: ChildProcess | undefined;
  try {
    await devnet.chain.produceEpochs(options.checkpoints);
    let killsMidProof = 0;
    for (let round = 1; round <= options.rounds; round++) {
      const started = await startProver(data.dir, devnet.url);
      child = started.child;
      const proving = async () =>
        (await started.client.call<StatusSummary>("paas_getReport", []).catch(() => undefined))?.byStatus
          .proving ?? 0;
      let inFlight = 0;
      if (round === 1) {
        // The first kill lands mid-proof: random moments may all miss the proofs (before the
        // first claim, after the last), and a run whose kills all did tested no crash mid-proof.
        await until(async () => {
          inFlight = await proving();
          return inFlight > 0;
        }, "a proof in flight");
      } else {
        await sleep(Math.floor(Math.random() * options.maxRunMs));
        inFlight = await proving();
      }
      if (inFlight > 0) killsMidProof++;
      await stopChild(child, "SIGKILL");
      log(`round ${round}: killed with ${inFlight} proving; ${accepted.size} checkpoints accepted`);
    }
    const last = await startProver(data.dir, devnet.url);
    child = last.child;
    await until(() => accepted.size === options.checkpoints, "every checkpoint accepted", 180_000);
    await until(async () => {
      const { byStatus, total } = await last.client.call<StatusSummary>("paas_getReport", []);
      return byStatus.completed === total;
    }, "every task completed");
    await stopChild(child, "SIGTERM");
    child = undefined;
    return {
      checkpoints: options.checkpoints,
      accepted: new Map(accepted),
      killsMidProof,
      ...inspect(data.dir),
    };
  } finally {
    if (child) await stopChild(child, "SIGKILL");
    await devnet.close();
    data.remove();
  }
}

/** Starts `paas start` on the data directory; resolves once its JSON-RPC server listens. */
async function startProver(
  datadir: string,
  nodeUrl: string,
): Promise<{ child: ChildProcess; client: JsonRpcClient }> {
  const settings = [
    "plugin_settings.checkpoint.interval_ms=100",
    "retry.base_delay_ms=100",
    "retry.max_delay_ms=500",
    // The banner is an info line (stdout is a pipe), and it holds the URL of the port chosen.
    'log_level="info"',
  ];
  const child = spawnProverClient(datadir, nodeUrl, settings, ["ignore", "pipe", "pipe"]);
  const url = await new Promise<string>((resolve, reject) => {
    // stdout is a pipe: JSON log lines, the banner's facts one of them (`rpc`: the URL).
    let out = "";
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"rpc":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stderr?.on("data", read);
    child.stdout?.on("data", read);
    child.once("exit", (code) => reject(new Error(`prover client exited with ${code}: ${out}`)));
  });
  // Asking for proofs changes state: the client sends the token the child wrote to its datadir.
  const bearerToken = readRpcTokenFile(datadir)?.token;
  return { child, client: new JsonRpcClient({ url, timeoutMs: 5_000, ...(bearerToken && { bearerToken }) }) };
}

/** What the SQLite file says after the last stop: receipts, tasks, integrity. */
function inspect(
  datadir: string,
): Pick<KillLoopResult, "receipts" | "distinctReceipts" | "completedTasks" | "tasks" | "integrity"> {
  const db = new SqliteDatabase(path.join(datadir, "paas.sqlite"), { readonly: true });
  try {
    const receipts = db
      .prepare("select count(*) as n, count(distinct task_seq) as d from receipts")
      .get() as {
      n: number;
      d: number;
    };
    const tasks = db
      .prepare("select count(*) as n, sum(status = 'completed') as completed from tasks")
      .get() as { n: number; completed: number };
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join("; ");
    return {
      receipts: receipts.n,
      distinctReceipts: receipts.d,
      completedTasks: tasks.completed,
      tasks: tasks.n,
      integrity,
    };
  } finally {
    db.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
