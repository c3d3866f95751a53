import type { BulkResult, InstanceInfo, TaskAttempt, TaskPage, TaskRecord } from "@paas/core";
import { InvalidParamsError, MAX_TIMER_MS } from "@paas/core/contracts";
import { type Command, Option } from "commander";
import type { ProgressSnapshot, ReportedCounts } from "../progress/render-progress.js";
import { parseDuration } from "./duration.js";
import {
  addPruneCommand,
  addRetryCommand,
  callLongAction,
  filterFor,
  printBulk,
  withFilterOptions,
} from "./operator-commands.js";
import { integer } from "./option-parsers.js";
import { writeOutFile } from "./out-file.js";
import { type ClientFlags, DEFAULT_RPC_URL, localServerUrl, parseTaskArg, rpcClient } from "./rpc-client.js";
import {
  describeStatus,
  formatAge,
  formatAttempts,
  formatHolder,
  formatTasks,
  isWaiting,
} from "./task-table.js";
import { terminalSafe } from "./terminal-text.js";

/** Without it, the server names a task given as a context on its kind's backend, as it submits. */
const BACKEND_OF_CONTEXT =
  "backend, when the task is given as a context (default: the kind's, [kinds.<kind>] backend or default_backend)";

type Output = (text: string) => void;

/** What `paas_getReport` answers (see the app's `coreMethods` and `buildProverApp`). */
type ReportAnswer = ReportedCounts & {
  readonly kinds: string[];
  readonly backends: string[];
  readonly uptimeSeconds: number;
  readonly instances?: readonly InstanceInfo[];
  readonly nodes?: { readonly cl: string; readonly el: string; readonly embedded: boolean };
  readonly plugins?: Record<string, Record<string, unknown>>;
};

/** The progress view of a running client, from its report: its own counts and its own uptime. */
function progressOfReport(report: ReportAnswer, headline: string): ProgressSnapshot {
  return {
    summary: report,
    kinds: report.kinds,
    reports: report.plugins ?? {},
    headline,
    uptimeMs: report.uptimeSeconds * 1_000,
  };
}

/**
 * The instances sharing the task database, one line each: which holds what, and whether it is
 * alive (a heartbeat older than a few seconds is an instance about to lose its leases).
 */
function instanceLines(instances: readonly InstanceInfo[], now: number): string[] {
  const ago = (at: number) => `${formatAge(Math.max(0, now - at))} ago`;
  return [
    `instances: ${instances.length}`,
    ...instances.map(
      (i) =>
        `  ${i.id}  ${i.host} (pid ${i.pid})  ${i.role}  holds ${i.tasksHeld}  ` +
        `started ${ago(i.startedAt)}, heartbeat ${ago(i.heartbeatAt)}`,
    ),
  ];
}

/**
 * The CLI commands that talk to a running prover client over its JSON-RPC API. What a command runs
 * on beyond the client (receipts, the progress view) it loads in its action, as `rpcClient` loads
 * the client: the definitions stay light for `paas --help` and `paas --version`.
 */
export function addClientCommands(program: Command, print: Output): void {
  const withClient = (command: Command) =>
    command
      .option(
        "--rpc <url>",
        `prover client JSON-RPC URL (default: the one --datadir's rpc-token is for, else ${DEFAULT_RPC_URL})`,
      )
      // From the environment by name, so help (also shown after a usage error) never prints it.
      .addOption(
        new Option(
          "--token <token>",
          "bearer token for methods that change state (default: the rpc-token in --datadir)",
        ).env("PAAS_RPC_TOKEN"),
      )
      // PAAS_DATADIR as `paas start` reads it: a shell set up for one is set up for the other.
      .addOption(
        new Option(
          "--datadir <dir>",
          "the prover client's data directory, whose rpc-token is sent to a client on this machine",
        )
          .env("PAAS_DATADIR")
          .default("./data"),
      )
      // Its shapes, one per kind of answer, are the README's `--json` table: scripts read them.
      .option("--json", "print the answer as JSON")
      .hook("preAction", async (_command, action) => {
        if (action.getOptionValue("rpc") === undefined) {
          const found = await localServerUrl(action.getOptionValue("datadir") as string);
          action.setOptionValue("rpc", found ?? DEFAULT_RPC_URL);
          if (found === undefined) action.setOptionValue("rpcDefaulted", true);
        }
      });

  withClient(program.command("status <task>").description("show a task's status (task key or JSON context)"))
    .option("--backend <name>", BACKEND_OF_CONTEXT)
    .action(async (task: string, flags: ClientFlags & { backend?: string; json?: boolean }) => {
      const record = await (await rpcClient(flags)).call<TaskRecord & { attempts: TaskAttempt[] }>(
        "paas_getTaskStatus",
        [parseTaskArg(task, flags.backend)],
      );
      print(
        flags.json
          ? JSON.stringify(record, null, 2)
          : [formatTasks([record]), errorLine(record), formatHolder(record), formatAttempts(record.attempts)]
              .filter((part) => part !== "")
              .join("\n"),
      );
    });

  withFilterOptions(withClient(program.command("list").description("list tasks, newest last")))
    // paas_listTasks's own bound (the task store's MAX_PAGE), said of the flag before any call.
    .option("--limit <n>", "tasks per page (at most 1000)", integer("--limit", 1, 1_000), 50)
    .option("--cursor <cursor>", "the cursor printed after the previous page")
    .action(
      async (
        flags: ClientFlags & {
          kind?: string;
          status?: string;
          backend?: string;
          olderThan?: string;
          limit: number;
          cursor?: string;
          json?: boolean;
        },
      ) => {
        const filter = {
          kind: flags.kind,
          status: flags.status,
          backend: flags.backend,
          olderThanMs:
            flags.olderThan === undefined ? undefined : parseDuration(flags.olderThan, "--older-than"),
          limit: flags.limit,
          cursor: flags.cursor,
        };
        const page = await (await rpcClient(flags)).call<TaskPage>("paas_listTasks", [
          JSON.parse(JSON.stringify(filter)),
        ]);
        if (flags.json) return print(JSON.stringify(page, null, 2));
        print(formatTasks(page.tasks));
        if (page.nextCursor) print(`more: --cursor ${page.nextCursor}`);
      },
    );

  withClient(
    program
      .command("submit <context>")
      .description('submit a task, e.g. \'{"kind":"checkpoint","index":3}\''),
  )
    .option(
      "--backend <name>",
      "backend to prove with (default: the kind's, [kinds.<kind>] backend or default_backend)",
    )
    .action(async (context: string, flags: ClientFlags & { backend?: string; json?: boolean }) => {
      const parsed = parseTaskArg(context, flags.backend);
      if (typeof parsed === "string")
        throw new InvalidParamsError("submit takes a JSON context, not a task key");
      const result = await (await rpcClient(flags)).call<{ id: string; created: boolean; task: TaskRecord }>(
        "paas_submitTask",
        flags.backend === undefined ? [parsed.context] : [parsed.context, flags.backend],
      );
      print(
        flags.json
          ? JSON.stringify(result, null, 2)
          : `${result.created ? "submitted" : "already known"} ${result.id} (${describeStatus(result.task)})`,
      );
    });

  withFilterOptions(
    withClient(
      program
        .command("cancel [task]")
        // "Not completed" had taken in a task that failed permanently, which the server refuses.
        .description(
          "cancel an unfinished task (not completed, failed permanently or cancelled), or every one the filters take",
        ),
    ),
  ).action(
    async (
      task: string | undefined,
      flags: ClientFlags & {
        kind?: string;
        status?: string;
        backend?: string;
        olderThan?: string;
        json?: boolean;
      },
    ) => {
      const filter = filterFor(task, flags, "cancel");
      const client = await rpcClient(flags);
      if (filter !== undefined) {
        return printBulk(
          print,
          "cancelled",
          await callLongAction<BulkResult>(client, "paas_cancelTasks", [filter], "cancel"),
          flags.json,
        );
      }
      const record = await client.call<TaskRecord>("paas_cancelTask", [parseTaskArg(task!, flags.backend)]);
      print(flags.json ? JSON.stringify(record, null, 2) : `${record.id} is ${record.status}`);
    },
  );

  addRetryCommand(withClient, program, print);
  addPruneCommand(withClient, program, print);

  withClient(program.command("proof <task>").description("fetch a task's receipt"))
    .option("--backend <name>", BACKEND_OF_CONTEXT)
    .option("--out <file>", "write the receipt to a file (binary zkaleido layout, or JSON with --json)")
    .action(async (task: string, flags: ClientFlags & { backend?: string; out?: string; json?: boolean }) => {
      const { encodeReceipt, receiptFromJson } = await import("@paas/zkvm");
      const json = await (await rpcClient(flags)).call("paas_getProof", [parseTaskArg(task, flags.backend)]);
      const receipt = receiptFromJson(json);
      if (flags.out) {
        writeOutFile(flags.out, flags.json ? `${JSON.stringify(json, null, 2)}\n` : encodeReceipt(receipt));
        print(`wrote ${flags.out}`);
      } else {
        print(JSON.stringify(json, null, 2));
      }
    });

  withClient(
    program.command("report").description("tasks by status, and what each proof type reports"),
  ).action(async (flags: ClientFlags & { json?: boolean }) => {
    const { renderProgress } = await import("../progress/render-progress.js");
    const report = await (await rpcClient(flags)).call<ReportAnswer>("paas_getReport", []);
    if (flags.json) return print(JSON.stringify(report, null, 2));
    const nodes = report.nodes;
    print(
      [
        renderProgress(progressOfReport(report, `PaaS prover at ${flags.rpc}`)),
        ...(nodes
          ? [`nodes: ${nodes.embedded ? "embedded devnet " : ""}CL ${nodes.cl}, EL ${nodes.el}`]
          : []),
        `backends: ${report.backends.join(", ")}`,
        ...instanceLines(report.instances ?? [], Date.now()),
      ].join("\n"),
    );
  });

  withClient(program.command("watch").description("live view of tasks by status and kind"))
    .option(
      "--interval <ms>",
      "refresh interval (at least 100)",
      integer("--interval", 100, MAX_TIMER_MS),
      1_000,
    )
    .action(async (flags: ClientFlags & { interval: number; json?: boolean }) => {
      const { ProgressPrinter } = await import("../progress/progress-printer.js");
      const client = await rpcClient(flags);
      const report = () => client.call<ReportAnswer>("paas_getReport", []);
      let stopWatching!: () => void;
      const stopped = new Promise<void>((resolve) => {
        stopWatching = resolve;
      });
      process.once("SIGINT", () => stopWatching());
      // A reader that goes away (`paas watch | head`) ends the watch; main.ts says whether that
      // was a failure to write.
      process.stdout.on("error", () => stopWatching());
      if (flags.json) {
        // One line of `paas_getReport`'s answer per refresh, for a script to read as it comes.
        let timer: NodeJS.Timeout | undefined;
        let watching = true;
        const tick = async () => {
          try {
            print(JSON.stringify(await report()));
          } catch (error) {
            process.stderr.write(
              `${terminalSafe(`error: ${error instanceof Error ? error.message : String(error)}`)}\n`,
            );
          }
          if (watching) timer = setTimeout(tick, flags.interval);
        };
        void tick();
        await stopped;
        watching = false;
        clearTimeout(timer);
        return;
      }
      const printer = new ProgressPrinter(
        async () => progressOfReport(await report(), `watching ${flags.rpc}`),
        process.stdout,
        flags.interval,
        true,
      );
      printer.start();
      await stopped;
      printer.stop();
    });
}

function errorLine(record: TaskRecord & { attempts: TaskAttempt[] }): string {
  if (!("error" in record)) return "";
  return `${isWaiting(record) ? "waiting for" : "error"}: ${record.error}`;
}
