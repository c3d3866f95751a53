import path from "node:path";
import { type Command, Option } from "commander";
import { LOG_LEVELS } from "../config/shared-rules.js";
import { formatDuration } from "./duration.js";
import { commaList, durationOfAtLeast, hostNames, integer } from "./option-parsers.js";
import { reportingStartFailure } from "./start-failure.js";
import { listenForStop, sayStopping } from "./stop-signals.js";

interface ProverServerFlags {
  readonly port: number;
  readonly host: string;
  readonly datadir: string;
  readonly token?: string;
  readonly workers?: number;
  readonly idleScheduling: boolean;
  readonly plugins?: string[];
  readonly trust?: string[];
  readonly allowedHosts?: string[];
  readonly keepFinished?: number;
  readonly logLevel: string;
}

const TOKEN_ENV = "PAAS_PROVER_SERVER_TOKEN";

/**
 * `paas prover-server`: the reference proving server (@paas/prover-server) — the remote-prover
 * contract over HTTP, proofs on a native host — until SIGINT, SIGTERM or SIGHUP. What a client's `remote`
 * backend needs (url, token, public key) is printed at start.
 */
export function addProverServerCommand(program: Command): void {
  program
    .command("prover-server")
    .description("run a proving server that `remote` backends prove through (the remote-prover contract)")
    .option("--port <port>", "listen port (0: any free port)", integer("--port", 0, 65_535), 4900)
    .option("--host <host>", "listen address; beyond loopback it needs --token", "127.0.0.1")
    .option("--datadir <dir>", "job table and signing key", "./data/prover-server")
    // From the environment by name, so help never prints it.
    .addOption(new Option("--token <token>", "bearer token clients must send").env(TOKEN_ENV))
    .option("--workers <n>", "proofs at once (default: the CPU count)", integer("--workers", 1))
    .option(
      "--no-idle-scheduling",
      "run proofs at nice +10 instead of SCHED_IDLE (Linux), on a machine shared with other busy work",
    )
    .option(
      "--plugins <packages>",
      "comma-separated plugin packages whose programs it proves (default: evm-ee-stf, cl-stf, checkpoint)",
      commaList,
    )
    .option(
      "--trust <keys>",
      "comma-separated keys (hex) whose receipts its guests accept as inner proofs: the keys of the backends proving the dependencies",
      commaList,
    )
    .option(
      "--allowed-hosts <names>",
      "comma-separated Host names answered on loopback besides loopback names (a local proxy keeping its own)",
      hostNames("--allowed-hosts"),
    )
    .option(
      "--keep-finished <age>",
      "how long finished jobs and their receipts are kept, e.g. 12h (default 7d)",
      durationOfAtLeast("--keep-finished", 60_000, "clients fetch a receipt after its job ends"),
    )
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .action(reportingStartFailure(runProverServer));
}

async function runProverServer(flags: ProverServerFlags): Promise<void> {
  const stops = listenForStop();
  // Loaded when it runs: `paas --help` and `paas --version` do without the server.
  const { InvalidConfigError, isLoopback } = await import("@paas/core");
  const { startProverServer } = await import("@paas/prover-server");
  const { makeDatadir } = await import("../app/datadir.js");
  const { createLogger } = await import("../logging/logger.js");
  // An empty token (an env file's placeholder) is none: it must not pass for one beyond loopback.
  const token = flags.token || undefined;
  if (!isLoopback(flags.host) && token === undefined) {
    throw new InvalidConfigError(
      `--host ${flags.host} is reachable beyond this machine: give --token (or ${TOKEN_ENV}) so only your clients can use it`,
    );
  }
  // On a terminal, a banner and pretty logs; otherwise JSON log lines only, the banner one of them.
  const terminal = process.stdout.isTTY === true;
  const logger = createLogger({ level: flags.logLevel, pretty: terminal });
  // A stop during start-up is said at once, and done as soon as the server is up.
  stops.announce(sayStopping(terminal, logger));
  // Said by the flag: the job table's open said "EEXIST: file already exists, mkdir …" for a file
  // in the way, and SQLITE_CANTOPEN for a directory of another user's.
  makeDatadir(flags.datadir, "--datadir");
  const server = await startProverServer({
    host: flags.host,
    port: flags.port,
    datadir: flags.datadir,
    logger,
    ...(token !== undefined && { token }),
    ...(flags.workers !== undefined && { workers: flags.workers }),
    idleScheduling: flags.idleScheduling,
    ...(flags.plugins !== undefined && { programs: flags.plugins }),
    ...(flags.trust !== undefined && { trustedPublicKeys: flags.trust }),
    ...(flags.allowedHosts !== undefined && { allowedHosts: flags.allowedHosts }),
    ...(flags.keepFinished !== undefined && { finishedJobRetentionMs: flags.keepFinished }),
  });
  const programs = server.programs.map((p) => `${p.name} v${p.version}`);
  const datadir = path.resolve(flags.datadir);
  if (terminal) {
    const lines = [
      `prover server listening on ${server.url}`,
      `receipts are signed with ${server.publicKey}`,
      `  key file   ${server.keyFile}`,
      `  job table  ${server.databaseFile}`,
      `  proving    ${programs.join(", ")} on ${server.workers} worker(s)`,
      `  keeps      finished jobs for ${formatDuration(server.finishedJobRetentionMs)} (--keep-finished)`,
      `  clients    type = "remote", url = "${server.url}", public_key = "${server.publicKey}"${token === undefined ? "" : ", token = <your --token>"}`,
      `  datadir    ${datadir}`,
      "  Ctrl-C to stop; unfinished jobs resume at the next start.",
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } else {
    logger.info(
      {
        url: server.url,
        publicKey: server.publicKey,
        keyFile: server.keyFile,
        jobTable: server.databaseFile,
        programs,
        workers: server.workers,
        keepFinishedMs: server.finishedJobRetentionMs,
        datadir,
      },
      "prover server started",
    );
  }
  await stops.first;
  await server.close();
  logger.info("stopped");
  logger.flush?.();
  if (terminal) process.stdout.write("stopped cleanly\n");
}
