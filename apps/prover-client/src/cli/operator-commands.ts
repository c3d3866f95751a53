import path from "node:path";
import type { BulkResult, PruneResult, TaskRecord } from "@paas/core";
import { InvalidParamsError, MAX_TIMER_MS, TASK_STATUSES } from "@paas/core/contracts";
import type { JsonRpcClient, JsonRpcParams } from "@paas/jsonrpc";
import { type Command, Option } from "commander";
import { parseDuration } from "./duration.js";
import { type ClientFlags, parseTaskArg, rpcClient } from "./rpc-client.js";
import { describeStatus } from "./task-table.js";

type Output = (text: string) => void;

interface FilterFlags {
  readonly kind?: string;
  readonly status?: string;
  readonly backend?: string;
  readonly olderThan?: string;
}

/** The filter a bulk command was given, or undefined when it was given none. */
export function filterOf(flags: FilterFlags): Record<string, unknown> | undefined {
  const filter = {
    ...(flags.kind !== undefined && { kind: flags.kind }),
    ...(flags.status !== undefined && { status: flags.status }),
    ...(flags.backend !== undefined && { backend: flags.backend }),
    ...(flags.olderThan !== undefined && { olderThanMs: parseDuration(flags.olderThan, "--older-than") }),
  };
  return Object.keys(filter).length === 0 ? undefined : filter;
}

/** `--kind`, `--status`, `--backend`, `--older-than`: which tasks a bulk command takes. */
export function withFilterOptions(command: Command): Command {
  return command
    .option("--kind <kind>", "only tasks of this proof type")
    .addOption(new Option("--status <status>", "only tasks in this status").choices(TASK_STATUSES))
    .option("--backend <name>", "only tasks on this backend")
    .option("--older-than <age>", "only tasks last changed at least this long ago, e.g. 30m, 1h, 7d");
}

/**
 * Either one task or a filter: a command given both (or neither) cannot know what was meant. With
 * a task, `--backend` is its backend (when it is given as a context), as in `paas status`.
 */
export function filterFor(
  task: string | undefined,
  flags: FilterFlags,
  command: string,
): Record<string, unknown> | undefined {
  const filter = filterOf(task === undefined ? flags : { ...flags, backend: undefined });
  if (task !== undefined && filter !== undefined) {
    throw new InvalidParamsError(`${command}: give a task or filters (--kind, --status, …), not both`);
  }
  if (task === undefined && filter === undefined) {
    throw new InvalidParamsError(
      `${command}: give a task, or filters (--kind, --status, --backend, --older-than) to act on many`,
    );
  }
  return filter;
}

/**
 * How an action on many tasks is called: waited for as long as it takes, and sent once. A bulk
 * cancel or retry acts on each task in turn (a cancel of 20k queued tasks on PostgreSQL: 30 s), a
 * prune as long as the database needs (SQLite's VACUUM of a few GiB: tens of seconds). Given up
 * on after the 30 s other calls wait, it had been sent again, three times, each running beside the
 * first on the same tasks, and the operator was told it failed while it went on.
 */
const LONG_ACTION = { idempotent: false, timeoutMs: MAX_TIMER_MS } as const;

/**
 * Calls an action on many tasks (see `LONG_ACTION`). The prover client goes on with it when the
 * command is left: a Ctrl-C had ended the command without a word (exit 130) while the prover
 * client went on retrying 20k tasks, and the operator took it for stopped. It is said instead, with
 * where to follow it.
 */
export async function callLongAction<T>(
  client: JsonRpcClient,
  method: string,
  params: JsonRpcParams,
  what: string,
): Promise<T> {
  const interrupted = () => {
    process.stderr.write(
      `interrupted: the prover client goes on with the ${what} (it was sent; leaving does not stop it): paas report shows the counts as it goes\n`,
    );
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  try {
    return await client.call<T>(method, params, LONG_ACTION);
  } finally {
    process.off("SIGINT", interrupted);
  }
}

export function printBulk(print: Output, verb: string, result: BulkResult, json: boolean | undefined): void {
  if (json) print(JSON.stringify(result, null, 2));
  else
    print(`${verb} ${result.changed} of ${result.matched} matching task${result.matched === 1 ? "" : "s"}`);
}

/** `paas retry`: one failed or cancelled task, or every one a filter takes. */
export function addRetryCommand(
  withClient: (command: Command) => Command,
  program: Command,
  print: Output,
): void {
  withFilterOptions(
    withClient(
      program
        .command("retry [task]")
        .description("retry a task that failed permanently or was cancelled, or every one the filters take"),
    ),
  ).action(async (task: string | undefined, flags: ClientFlags & FilterFlags & { json?: boolean }) => {
    const filter = filterFor(task, flags, "retry");
    const client = await rpcClient(flags);
    if (filter !== undefined) {
      return printBulk(
        print,
        "retried",
        await callLongAction<BulkResult>(client, "paas_retryTasks", [filter], "retry"),
        flags.json,
      );
    }
    const result = await client.call<{ id: string; task: TaskRecord }>("paas_retryTask", [
      parseTaskArg(task!, flags.backend),
    ]);
    // With --json, the task record, as `paas cancel <task>` prints it: paas_retryTask's `{ id, task }`
    // (the RPC's documented answer) had a script read one act's task at the top and the other's in
    // `task`. `id` is the record's own.
    print(
      flags.json ? JSON.stringify(result.task, null, 2) : `${result.id} is ${describeStatus(result.task)}`,
    );
  });
}

/** `paas prune`: delete old finished tasks and give the space back, saying how much. */
export function addPruneCommand(
  withClient: (command: Command) => Command,
  program: Command,
  print: Output,
): void {
  withClient(
    program
      .command("prune")
      .description("delete finished tasks older than an age, with their receipts (exported first, or not)"),
  )
    .requiredOption("--older-than <age>", "finished tasks last changed at least this long ago, e.g. 7d")
    .option("--export-dir <dir>", "append their receipts to <dir>/receipts.jsonl first")
    // Both at once had exported the receipts anyway: which of the two was meant cannot be told.
    .addOption(
      new Option("--delete-receipts", "delete their receipts without exporting them").conflicts("exportDir"),
    )
    .option(
      "--compact",
      "give the space back to the file system: VACUUM, which holds the prover (SQLite) or locks the tables (PostgreSQL) while it runs",
    )
    .action(
      async (
        flags: ClientFlags & {
          olderThan: string;
          exportDir?: string;
          deleteReceipts?: boolean;
          compact?: boolean;
          json?: boolean;
        },
      ) => {
        if (flags.exportDir === undefined && !flags.deleteReceipts) {
          throw new InvalidParamsError(
            "prune deletes the receipts of the tasks it deletes: say --export-dir <dir> to keep them in a file, or --delete-receipts",
          );
        }
        const params = {
          olderThanMs: parseDuration(flags.olderThan, "--older-than"),
          // The server writes the files: a relative directory means the one the operator is in.
          ...(flags.exportDir !== undefined && { exportDir: path.resolve(flags.exportDir) }),
          ...(flags.deleteReceipts && { deleteReceipts: true }),
          ...(flags.compact && { compact: true }),
        };
        const result = await callLongAction<PruneResult>(
          await rpcClient(flags),
          "paas_prune",
          [params],
          "prune",
        );
        if (flags.json) return print(JSON.stringify(result, null, 2));
        print(
          [
            `pruned ${result.tasks} task${result.tasks === 1 ? "" : "s"}`,
            ...(params.exportDir !== undefined
              ? [`exported ${result.receiptsExported} receipts to ${params.exportDir}`]
              : []),
            `database: ${formatBytes(result.bytesBefore)} before, ${formatBytes(result.bytesAfter)} after` +
              (params.compact ? "" : " (the freed space is kept for new tasks; --compact gives it back)"),
          ].join("\n"),
        );
      },
    );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
