import path from "node:path";
import type { Command } from "commander";
import { reportingStartFailure } from "./start-failure.js";
import { listenForStop, sayStopping } from "./stop-signals.js";

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

/** `paas start`: build the app from config and run until SIGINT, SIGTERM or SIGHUP. */
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
    .action(reportingStartFailure(start));
}

async function start(flags: StartFlags, command: Command): Promise<void> {
  const stops = listenForStop();
  // The whole app, loaded when it starts: `paas --help` and `paas --version` do without it.
  const { DATABASE_FILE, errorMessage, InvalidConfigError } = await import("@paas/core");
  const { endpointOf } = await import("@paas/jsonrpc");
  const { buildProverApp, databaseDescription } = await import("../app/build-app.js");
  const { makeDatadir } = await import("../app/datadir.js");
  const { loadConfig } = await import("../config/load-config.js");
  const { DASHBOARD_BUILD_COMMAND, isDashboardBuilt } = await import("../http/dashboard-route.js");
  const { createLogger } = await import("../logging/logger.js");
  const { appendOnly, ProgressPrinter } = await import("../progress/progress-printer.js");
  // A flag of its own is more specific than a `--set` of the same key, so it is applied last.
  const flag = (from: string, value: string | undefined, set: (v: string) => string) =>
    value === undefined ? [] : [{ set: set(value), from }];
  const overrides = [
    ...flags.set,
    ...flag("--datadir", flags.datadir, (v) => `datadir=${JSON.stringify(v)}`),
    ...flag("--port", flags.port, (v) => `rpc.port=${v}`),
    ...flag("--cl-url", flags.clUrl, (v) => `nodes.cl_url=${JSON.stringify(v)}`),
    ...flag("--el-url", flags.elUrl, (v) => `nodes.el_url=${JSON.stringify(v)}`),
    ...flag("--log-level", flags.logLevel, (v) => `log_level=${JSON.stringify(v)}`),
    ...flag("--workers", flags.workers, (v) => `backends.native.workers=${v}`),
    ...flag("--database-url", flags.databaseUrl, (v) => `database.url=${JSON.stringify(v)}`),
    ...flag("--role", flags.role, (v) => `cluster.role=${JSON.stringify(v)}`),
    ...(flags.progress ? [] : [{ set: "progress.enabled=false", from: "--no-progress" }]),
  ];
  if (flags.config?.trim() === "") {
    // `--config "$CONFIG"`, or `PAAS_CONFIG=${CONFIG}` in a unit or a compose file, with the variable
    // unset: read as no file, the start ran on the defaults (an embedded devnet, a fresh database).
    const from = command.getOptionValueSource("config") === "cli" ? "--config" : "PAAS_CONFIG";
    throw new InvalidConfigError(
      `${from} names no file (it is empty): name the config file, or leave it out`,
    );
  }
  const config = loadConfig({
    ...(flags.config !== undefined && { file: flags.config }),
    env: process.env,
    overrides,
  });
  const embedded = config.nodes.cl_url === undefined;
  // On a terminal a person reads stdout: a banner, pretty logs (or a log file beside the
  // progress view). Otherwise (systemd, a container, a redirect) a program does: JSON log
  // lines only, the banner one of them, and the progress view, when on, appended to stderr.
  const terminal = process.stdout.isTTY === true;
  const progress = config.progress.enabled ?? (terminal || embedded);
  const logFile = progress && terminal ? path.join(config.datadir, "prover-client.log") : undefined;
  // Before the log file in it is opened: a data directory that cannot be one is said by its setting.
  if (logFile !== undefined) makeDatadir(config.datadir);
  const logger = createLogger({
    level: config.log_level,
    pretty: terminal,
    ...(logFile !== undefined && { file: logFile }),
  });
  const stopping = sayStopping(terminal, logger);
  // A stop during start-up is said at once, and done as soon as the app is up.
  stops.announce(stopping);
  const started = Date.now();
  const app = await buildProverApp(config, logger, {
    // A first start takes seconds, and the screen must say why. When the log is the screen
    // (no log file), each stage is already one of its lines: printing it again would double it.
    ...(logFile !== undefined && {
      onStage: (message: string) =>
        process.stdout.write(`[${((Date.now() - started) / 1_000).toFixed(1)}s] ${message}\n`),
    }),
    signal: stops.signal,
  }).catch((error: unknown) => {
    if (!stops.stopping()) throw error;
    // Told to stop while it started: the stage it waited in was given up, or failed by the stop
    // (a devnet signalled with its group), which is no failure of the start.
    logger.info(
      { ...(error !== stops.signal.reason && { error: errorMessage(error) }) },
      "stopped before the start finished",
    );
    if (terminal) process.stdout.write("stopped before the start finished\n");
    return undefined;
  });
  if (app === undefined) {
    // What was given up on goes on unwatched (a connection that does not answer waits out its
    // own timeout): waiting for it would hold the stop as long as the start was held.
    logger.flush(() => process.exit(0));
    return;
  }
  const { rpcUrl, nodes } = app;
  const metricsUrl = rpcUrl && `${rpcUrl.replace(/\/$/, "")}/metrics`;
  const dashboardNote = isDashboardBuilt() ? undefined : `not built: ${DASHBOARD_BUILD_COMMAND}`;
  const datadir = path.resolve(config.datadir);
  const database =
    config.database.url !== undefined
      ? `${databaseDescription(config)}, role ${config.cluster.role}`
      : path.join(datadir, DATABASE_FILE);
  if (terminal) {
    const lines = [
      `PaaS prover client — ${app.service.kinds().join(", ")} on ${app.service.backends().join(", ")}`,
      `  nodes     ${nodes.embedded ? `embedded devnet at ${endpointOf(nodes.clUrl)}` : `CL ${endpointOf(nodes.clUrl)}, EL ${endpointOf(nodes.elUrl)}`}`,
      `  json-rpc  ${rpcUrl ?? "off"}${metricsUrl ? `  (metrics: ${metricsUrl})` : ""}`,
      ...(rpcUrl ? [`  dashboard ${rpcUrl}${dashboardNote ? `  (${dashboardNote})` : ""}`] : []),
      `  datadir   ${datadir}`,
      `  database  ${database}`,
      ...(app.rpcTokenFile
        ? [`  token     ${path.resolve(app.rpcTokenFile)} (for actions; the CLI reads it)`]
        : []),
      ...(logFile ? [`  logs      ${logFile}`] : []),
      "  Ctrl-C to stop; unfinished work resumes at the next start.",
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } else {
    logger.info(
      {
        kinds: app.service.kinds(),
        backends: app.service.backends(),
        rpc: rpcUrl ?? null,
        ...(rpcUrl && { metrics: metricsUrl, dashboard: dashboardNote ?? rpcUrl }),
        nodes: nodes.embedded
          ? { embeddedDevnet: endpointOf(nodes.clUrl) }
          : { cl: endpointOf(nodes.clUrl), el: endpointOf(nodes.elUrl) },
        datadir,
        database,
        ...(app.rpcTokenFile !== undefined && { tokenFile: path.resolve(app.rpcTokenFile) }),
      },
      "prover client started",
    );
  }
  const printer =
    progress && !stops.stopping()
      ? new ProgressPrinter(
          async () => ({
            summary: await app.service.summary(),
            kinds: app.service.kinds(),
            reports: await app.service.pluginReports(),
            headline: `PaaS prover${nodes.embedded ? " · embedded devnet" : ""}`,
            uptimeMs: Date.now() - app.startedAt,
          }),
          terminal ? process.stdout : appendOnly(process.stderr),
          config.progress.interval_ms,
        )
      : undefined;
  printer?.start();
  // The view first: a line written while it redraws in place would be drawn over.
  stops.announce((signal) => {
    printer?.stop();
    stopping(signal);
  });
  // The client runs until it is told to stop, and then until it has stopped. Signal handlers do not
  // keep a process alive, and the service's timers are unref'd (an embedding program may exit):
  // with neither the RPC server nor the progress view, the process ended at its first idle moment
  // (exit code 13, no "stopped").
  const running = setInterval(() => {}, 2 ** 31 - 1);
  const failure = await Promise.race([
    stops.first.then(() => undefined),
    // Logged by the app as it happens; on a terminal the log may be a file, so it is said here too.
    app.failed.then((error) => {
      printer?.stop();
      process.stderr.write(`error: ${error.message}\n`);
      return error;
    }),
  ]);
  try {
    await app.close();
  } finally {
    clearInterval(running);
  }
  logger.info("stopped");
  logger.flush?.();
  if (failure !== undefined) process.exitCode = 1;
  else if (terminal) process.stdout.write("stopped cleanly\n");
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
