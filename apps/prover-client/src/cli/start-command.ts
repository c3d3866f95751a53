import path from "node:path";
import type { Command } from "commander";
import { humanOutput } from "./human-output.js";

interface StartFlags {
  readonly config?: string;
  readonly set: string[];
  readonly datadir?: string;
  readonly port?: string;
  readonly clUrl?: string;
  readonly elUrl?: string;
  readonly logLevel?: string;
  readonly workers?: string;
  readonly databaseUrl?: string;
  readonly role?: string;
  readonly progress: boolean;
}

/** `paas start`: build the app from config and run until SIGINT/SIGTERM. */
export function addStartCommand(program: Command): void {
  program
    .command("start")
    .description("run the prover client (with the embedded devnet when no node URLs are configured)")
    .option("-c, --config <file>", "TOML config file (or PAAS_CONFIG)", process.env.PAAS_CONFIG)
    .option("--set <key=value>", "set any config key, e.g. --set rpc.port=4850 (repeatable)", collect, [])
    .option("--datadir <dir>", "data directory (datadir)")
    .option("--port <port>", "JSON-RPC port (rpc.port)")
    .option("--cl-url <url>", "CL JSON-RPC URL (nodes.cl_url)")
    .option("--el-url <url>", "EL JSON-RPC URL (nodes.el_url)")
    .option("--log-level <level>", "log level (log_level)")
    .option("--workers <n>", "native host worker threads (backends.native.workers)")
    .option(
      "--database-url <url>",
      "PostgreSQL shared by several instances (database.url); default SQLite in the datadir",
    )
    .option(
      "--role <role>",
      "all, or worker: claims and proves, runs no once-per-cluster service (cluster.role)",
    )
    .option("--no-progress", "do not print the progress view")
    .action(async (flags: StartFlags) => {
      // The whole app, loaded when it starts: `paas --help` and `paas --version` do without it.
      const { DATABASE_FILE, redactedUrl } = await import("@paas/core");
      const { endpointOf } = await import("@paas/jsonrpc");
      const { buildProverApp } = await import("../app/build-app.js");
      const { loadConfig } = await import("../config/load-config.js");
      const { DASHBOARD_BUILD_COMMAND, isDashboardBuilt } = await import("../http/dashboard-route.js");
      const { createLogger } = await import("../logging/logger.js");
      const { ProgressPrinter } = await import("../progress/progress-printer.js");
      const overrides = [
        ...(flags.datadir !== undefined ? [`datadir="${flags.datadir}"`] : []),
        ...(flags.port !== undefined ? [`rpc.port=${flags.port}`] : []),
        ...(flags.clUrl !== undefined ? [`nodes.cl_url="${flags.clUrl}"`] : []),
        ...(flags.elUrl !== undefined ? [`nodes.el_url="${flags.elUrl}"`] : []),
        ...(flags.logLevel !== undefined ? [`log_level="${flags.logLevel}"`] : []),
        ...(flags.workers !== undefined ? [`backends.native.workers=${flags.workers}`] : []),
        ...(flags.databaseUrl !== undefined ? [`database.url="${flags.databaseUrl}"`] : []),
        ...(flags.role !== undefined ? [`cluster.role="${flags.role}"`] : []),
        ...(flags.progress ? [] : ["progress.enabled=false"]),
        ...flags.set,
      ];
      const config = loadConfig({
        ...(flags.config !== undefined && { file: flags.config }),
        env: process.env,
        overrides,
      });
      const embedded = config.nodes.cl_url === undefined;
      const progress = config.progress.enabled ?? (process.stdout.isTTY === true || embedded);
      const logFile =
        progress && process.stdout.isTTY ? path.join(config.datadir, "prover-client.log") : undefined;
      const logger = createLogger({
        level: config.log_level,
        pretty: process.stdout.isTTY === true,
        ...(logFile !== undefined && { file: logFile }),
      });
      const human = humanOutput();
      const started = Date.now();
      const app = await buildProverApp(config, logger, {
        // A first start takes seconds, and the screen must say why. When the log is the screen
        // (no log file), each stage is already one of its lines: printing it again would double it.
        ...(logFile !== undefined && {
          onStage: (message: string) =>
            human.write(`[${((Date.now() - started) / 1_000).toFixed(1)}s] ${message}\n`),
        }),
      });
      const lines = [
        `PaaS prover client — ${app.service.kinds().join(", ")} on ${app.service.backends().join(", ")}`,
        `  nodes     ${app.nodes.embedded ? `embedded devnet at ${endpointOf(app.nodes.clUrl)}` : `CL ${endpointOf(app.nodes.clUrl)}, EL ${endpointOf(app.nodes.elUrl)}`}`,
        `  json-rpc  ${app.rpcUrl ?? "off"}${app.rpcUrl ? `  (metrics: ${app.rpcUrl.replace(/\/$/, "")}/metrics)` : ""}`,
        ...(app.rpcUrl
          ? [
              `  dashboard ${app.rpcUrl}${isDashboardBuilt() ? "" : `  (not built: ${DASHBOARD_BUILD_COMMAND})`}`,
            ]
          : []),
        `  datadir   ${path.resolve(config.datadir)}`,
        `  database  ${config.database.url !== undefined ? `${redactedUrl(config.database.url)} (role ${config.cluster.role})` : path.join(path.resolve(config.datadir), DATABASE_FILE)}`,
        ...(logFile ? [`  logs      ${logFile}`] : []),
        "  Ctrl-C to stop; unfinished work resumes at the next start.",
        "",
      ];
      human.write(`${lines.join("\n")}\n`);
      const printer = progress
        ? new ProgressPrinter(
            async () => ({
              summary: await app.service.summary(),
              kinds: app.service.kinds(),
              reports: await app.service.pluginReports(),
              headline: `PaaS prover${app.nodes.embedded ? " · embedded devnet" : ""}`,
              uptimeMs: Date.now() - app.startedAt,
            }),
            human,
            config.progress.interval_ms,
            true,
          )
        : undefined;
      printer?.start();
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          // The view first: a line written while it redraws in place would be drawn over.
          printer?.stop();
          human.write(`${signal}: stopping…\n`);
          process.once(signal, () => process.exit(130));
          resolve();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
      await app.close();
      logger.info("stopped");
      logger.flush?.();
      human.write("stopped cleanly\n");
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
