/**
 * The `paas` command against a running prover client: what an operator types and reads.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { proverPublicKeyFromKeyFile } from "@paas/devnet";
import { CHECKPOINT } from "@paas/rollup";
import {
  decodeReceipt,
  encodeReceipt,
  HOST_KEY_FILE,
  programIdOf,
  receiptFromJson,
  verifyReceipt,
} from "@paas/zkvm";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CLI_TEST_TIMEOUT_MS,
  rpc,
  runCli,
  runPaas,
  startApp,
  tempDatadir,
  testConfig,
  waitForTask,
} from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  await devnet.chain.produceEpochs(1);
  app = await startApp(testConfig(data.dir, devnet.url, ["plugin_settings.checkpoint.runner=false"]));
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

// As an operator on the machine runs it: the token comes from the rpc-token the client wrote.
const paas = (...args: string[]) => runCli(app.rpcUrl!, [...args, "--datadir", data.dir]);

it("submits, shows, lists and fetches the proof of a task", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const submitted = await paas("submit", '{"kind":"checkpoint","index":0}');
  expect(submitted.stdout).toMatch(/^submitted [0-9a-f]{32} \(pending\)/);
  const id = /[0-9a-f]{32}/.exec(submitted.stdout)![0];
  await waitForTask(rpc(app), id);

  const status = await paas("status", '{"kind":"checkpoint","index":0}');
  expect(status.stdout).toContain(`${id}  checkpoint  completed`);

  const list = await paas("list", "--kind", "evm-ee-stf");
  expect(list.stdout.split("\n")[1]).toMatch(/evm-ee-stf\s+completed/);

  const out = path.join(data.dir, "checkpoint-0.bin");
  expect((await paas("proof", id, "--out", out)).stdout).toBe(`wrote ${out}\n`);
  expect(decodeReceipt(readFileSync(out)).metadata.zkvm).toBe("native");
  // As a third party checks it: the checkpoint program of this version, signed by the key the
  // client reports for the backend (the one in its data directory).
  const report = JSON.parse((await paas("report", "--json")).stdout);
  const publicKey = report.hostKeys.native;
  const keyFile = proverPublicKeyFromKeyFile(path.join(data.dir, HOST_KEY_FILE));
  expect(publicKey).toBe(Buffer.from(keyFile).toString("hex"));
  const checkpoint = {
    ...CHECKPOINT.program,
    programId: programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version),
  };
  verifyReceipt(decodeReceipt(readFileSync(out)), { ...checkpoint, publicKey });
  // The printed JSON is the same receipt, byte for byte.
  const printed = receiptFromJson(JSON.parse((await paas("proof", id)).stdout));
  expect(Buffer.from(encodeReceipt(printed))).toEqual(readFileSync(out));

  // The same table as the progress view, the server's own uptime included.
  const table = (await paas("report")).stdout;
  expect(table).toMatch(/^PaaS prover at http:\S+ · up \d\d:\d\d:\d\d\n/);
  expect(table).toMatch(/\ncompleted\s+1\s+1\s+1\n/);
  expect(table).toContain("\nbackends: native");
  // The one instance on this database: this process, holding nothing once the work is done.
  expect(table).toMatch(
    new RegExp(
      `\\ninstances: 1\\n  \\S+  \\S+ \\(pid ${process.pid}\\)  all  holds 0  started \\d+(ms|s) ago, heartbeat \\d+(ms|s) ago`,
    ),
  );

  // A task on its way has no proof yet, and the answer says so.
  const later = await paas("submit", '{"kind":"checkpoint","index":1}');
  const laterId = /[0-9a-f]{32}/.exec(later.stdout)![0];
  const early = await paas("proof", laterId);
  expect(early.code).toBe(1);
  expect(early.stderr).toMatch(
    new RegExp(
      `^error \\(PROOF_NOT_FOUND\\): paas_getProof: task ${laterId} has no proof yet: it is \\w+, and its proof can be fetched once it is completed \\(JSON-RPC error -32011\\)\n$`,
    ),
  );
});

it("names statuses as the API does, answers raw JSON, and prints its version", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // Independent commands, run at once: each is a process of its own.
  const [done, completed, report, version] = await Promise.all([
    paas("list", "--status", "done"),
    paas("list", "--status", "completed"),
    paas("report", "--json"),
    paas("--version"),
  ]);
  expect(done.code).toBe(1);
  expect(done.stderr).toContain(
    "Allowed choices are pending, blocked, queued, proving, publishing, completed",
  );
  expect(completed.stdout.split("\n").filter((line) => line.includes("  completed  "))).toHaveLength(3);
  expect(JSON.parse(report.stdout).byStatus.completed).toBe(3);
  expect(version.stdout).toBe(
    `${JSON.parse(readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8")).version}\n`,
  );
});

it("never prints PAAS_RPC_TOKEN, in help or in the help after a usage error", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const secret = "rpc-secret-0123456789abcdef";
  const [help, typo] = await Promise.all([
    runPaas(["status", "--help"], { PAAS_RPC_TOKEN: secret }),
    runPaas(["cancel", "--kindd", "checkpoint"], { PAAS_RPC_TOKEN: secret }),
  ]);
  expect(help.stdout).toMatch(/env:\s+PAAS_RPC_TOKEN/);
  expect(typo.code).toBe(1);
  for (const run of [help, typo]) expect(run.stdout + run.stderr).not.toContain(secret);
});

it("says in cancel's help that a task failed permanently is finished, as the server refuses to cancel it", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const help = await runPaas(["cancel", "--help"]);
  expect(help.stdout.replace(/\s+/g, " ")).toContain(
    "cancel an unfinished task (not completed, failed permanently or cancelled), or every one the filters take",
  );
});

it("says what is wrong and exits 1, without a stack trace", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const unknown = await paas("submit", '{"kind":"nope"}');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(
    /^error \(UNKNOWN_KIND\): paas_submitTask: no plugin registered for kind "nope"/,
  );
  expect(unknown.stderr).not.toMatch(/\n\s+at /);

  // A kind no plugin registers is a mistake to name, not a filter that takes no task.
  const [unknownList, unknownRetry] = await Promise.all([
    paas("list", "--kind", "nope"),
    paas("retry", "--kind", "nope"),
  ]);
  expect(unknownList).toMatchObject({
    code: 1,
    stdout: "",
    stderr:
      'error (UNKNOWN_KIND): paas_listTasks: no plugin registered for kind "nope" (registered: checkpoint, cl-stf, evm-ee-stf) (JSON-RPC error -32012)\n',
  });
  expect(unknownRetry.code).toBe(1);
  expect(unknownRetry.stderr).toMatch(
    /^error \(UNKNOWN_KIND\): paas_retryTasks: no plugin registered for kind "nope" \(registered: [^)]+\) \(JSON-RPC error -32012\)\n$/,
  );

  // So is a backend that is not configured.
  const unknownBackend = await paas("list", "--backend", "nope");
  expect(unknownBackend).toMatchObject({
    code: 1,
    stdout: "",
    stderr:
      'error (UNKNOWN_BACKEND): paas_listTasks: backend "nope" is not configured (configured: native) (JSON-RPC error -32013)\n',
  });

  const missing = await paas("status", "0".repeat(32));
  expect(missing.stderr).toMatch(/^error \(TASK_NOT_FOUND\)/);

  const bad = await paas("status", "not json");
  expect(bad.stderr).toBe(
    'error (INVALID_PARAMS): "not json" is neither a task key (32 hex digits) nor a JSON context\n',
  );

  const badLimit = await paas("list", "--limit", "abc");
  expect(badLimit.code).toBe(1);
  expect(badLimit.stderr).toContain('--limit must be an integer from 1 to 1000, got "abc"');

  const notAUrl = await runCli("notaurl", ["report"]);
  expect(notAUrl).toMatchObject({ code: 1 });
  expect(notAUrl.stderr).toBe(
    'error (INVALID_PARAMS): --rpc: "notaurl" is not an http(s) URL (e.g. http://127.0.0.1:4844)\n',
  );

  // A proof to fetch (the first test's, when it ran): its file cannot be written.
  const { id } = await rpc(app).call<{ id: string }>("paas_submitTask", [{ kind: "checkpoint", index: 0 }]);
  expect((await waitForTask(rpc(app), id)).status).toBe("completed");
  const unwritable = await paas("proof", id, "--out", path.join(data.dir, "no-such-dir", "x.bin"));
  expect(unwritable.code).toBe(1);
  expect(unwritable.stderr).toMatch(
    /^error: ENOENT: no such file or directory, open '.*no-such-dir\/x\.bin'\n$/,
  );
});

it("says why a change was refused when the data directory's token is for another URL", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // The same server by another name: the token file names 127.0.0.1, so it is not sent to localhost.
  const byName = app.rpcUrl!.replace("127.0.0.1", "localhost");
  const refused = await runCli(byName, ["submit", '{"kind":"checkpoint","index":5}', "--datadir", data.dir]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("requires a bearer token");
  expect(refused.stderr).toContain(
    `(the rpc-token in ${data.dir} is for ${app.rpcUrl}, so none was sent to ${byName}: use that URL as --rpc, or give --token)`,
  );
  // Reads need no token and say nothing of it.
  const read = await runCli(byName, ["report", "--datadir", data.dir]);
  expect(read.stderr).toBe("");
});

it("lists a task waiting for the chain as a wait, in its table and its JSON", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // Epoch 2 is open: its checkpoint waits for the chain, using up no retry. `paas list` read only
  // the status and showed it as a step failing, retry count and all, unlike `paas status`.
  const submitted = await paas("submit", '{"kind":"checkpoint","index":2}');
  const id = /[0-9a-f]{32}/.exec(submitted.stdout)![0];
  const listed = async () => (await paas("list", "--kind", "checkpoint")).stdout;
  await expect.poll(listed, { timeout: 20_000 }).toMatch(new RegExp(`${id}  checkpoint  transient_failure`));
  const line = (await listed()).split("\n").find((l) => l.startsWith(id))!;
  expect(line).toMatch(/transient_failure \(resolve, waiting for the chain, next check in \d+(ms|s)\)/);
  expect(line).not.toContain("retry");
  const page = JSON.parse((await paas("list", "--kind", "checkpoint", "--json")).stdout);
  expect(page.tasks.find((t: { id: string }) => t.id === id)).toMatchObject({
    status: "transient_failure",
    waiting: true,
  });
  await paas("cancel", id);
});

it("counts the tasks waiting for the chain apart in the report, within their status's count", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // Epoch 3 is open too: its checkpoint waits. `paas report` counted it as a transient failure
  // and nothing more, which read as checkpoints failing when they waited for their epochs.
  const submitted = await paas("submit", '{"kind":"checkpoint","index":3}');
  const id = /[0-9a-f]{32}/.exec(submitted.stdout)![0];
  const report = async () => JSON.parse((await paas("report", "--json")).stdout);
  await expect.poll(async () => (await report()).waiting, { timeout: 20_000 }).toBeGreaterThan(0);
  const json = await report();
  const row = json.rows.find(
    (r: { kind: string; status: string }) => r.kind === "checkpoint" && r.status === "transient_failure",
  );
  // Every checkpoint in the status waits here (the runner is off), and the count keeps its meaning.
  expect(row.waiting).toBe(row.count);
  expect(json.byStatus.transient_failure).toBeGreaterThanOrEqual(json.waiting);

  // The table: under `transient_failure`, how many of them wait, in the checkpoint's column.
  const lines = (await paas("report")).stdout.split("\n");
  const column = (line: string) => {
    const head = lines.find((l) => l.startsWith("status "))!.split(/\s+/);
    return line.trimStart().split(/\s{2,}/)[head.indexOf("checkpoint")];
  };
  const failing = lines.findIndex((l) => l.startsWith("transient_failure "));
  expect(lines[failing + 1]).toMatch(/^ {2}waiting for the chain /);
  expect(column(lines[failing + 1]!)).toBe(String(row.waiting));
  expect(column(lines[failing]!)).toBe(String(row.count));
  await paas("cancel", id);
});

it("finds a client started on another port through its data directory, named by --datadir or PAAS_DATADIR", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // The app listens on a free port, not the default: without --rpc, the token file names it.
  expect(new URL(app.rpcUrl!).port).not.toBe("4844");
  const read = await runPaas(["report", "--datadir", data.dir]);
  expect(read.stderr).toBe("");
  expect(read.stdout).toContain(`PaaS prover at ${app.rpcUrl}`);
  // The variable `paas start` reads: a change goes to that server with that directory's token.
  const submitted = await runPaas(["submit", '{"kind":"checkpoint","index":6}'], { PAAS_DATADIR: data.dir });
  expect(submitted.stderr).toBe("");
  expect(submitted.stdout).toMatch(/^submitted [0-9a-f]{32}/);
  // An explicit --rpc still wins over the file.
  const elsewhere = await runPaas(["report", "--datadir", data.dir, "--rpc", "http://127.0.0.1:9/"]);
  expect(elsewhere.code).toBe(1);
  expect(elsewhere.stderr).toContain("127.0.0.1:9");
});

it("answers --json with one shape per kind of answer: a task's record for one, counts for many", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // Checkpoint 9 waits for its epoch: unfinished until cancelled, and retried back to waiting.
  const json = async (...args: string[]) => {
    const run = await paas(...args, "--json");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    return JSON.parse(run.stdout);
  };
  const { id } = await json("submit", '{"kind":"checkpoint","index":9}');
  const cancelled = await json("cancel", id);
  expect(cancelled).toMatchObject({ id, kind: "checkpoint", status: "cancelled" });
  // The retry's answer is the task's record too, as cancel's, not paas_retryTask's `{ id, task }`.
  const retried = await json("retry", id);
  expect(retried).toMatchObject({ id, kind: "checkpoint", taskId: { context: { index: 9 } } });
  expect(retried.status).not.toBe("cancelled");
  for (const record of [cancelled, retried]) {
    expect(Object.keys(record)).toEqual(
      expect.arrayContaining(["id", "taskId", "kind", "backend", "status", "createdAt", "updatedAt"]),
    );
    expect(record).not.toHaveProperty("task");
  }

  // Many: the same counts for a cancel and a retry.
  const bulkCancel = await json("cancel", "--kind", "checkpoint");
  const bulkRetry = await json("retry", "--kind", "checkpoint", "--status", "cancelled");
  for (const counts of [bulkCancel, bulkRetry]) {
    expect(Object.keys(counts).sort()).toEqual(["changed", "matched"]);
    expect(counts.changed).toBeGreaterThanOrEqual(1);
  }

  // A failure is its exit status, with nothing on stdout for a script to take as an answer.
  const missing = "0".repeat(32);
  for (const args of [
    ["cancel", missing],
    ["retry", missing],
    ["status", missing],
  ]) {
    const failed = await paas(...args, "--json");
    expect(failed).toMatchObject({ code: 1, stdout: "" });
    expect(failed.stderr).toMatch(/^error \(TASK_NOT_FOUND\): paas_\w+: task 0{32} not found/);
  }
  const down = await runCli("http://127.0.0.1:9/", ["cancel", "--kind", "checkpoint", "--json"]);
  expect(down).toMatchObject({ code: 1, stdout: "" });
  expect(down.stderr).toBe("error: paas_cancelTasks: http://127.0.0.1:9 unreachable (ECONNREFUSED)\n");
});
