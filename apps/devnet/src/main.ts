#!/usr/bin/env node
/**
 * `npx nx run devnet:start -- [flags]` / `npm run devnet -- [flags]` (`paas-devnet` where the package
 * is installed): a local rollup devnet on 127.0.0.1, printing its URL and its progress until Ctrl-C.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MAX_TIMER_MS } from "@paas/core/contracts";
import type { DevChainEvent } from "@paas/devchain";
import { Command, InvalidArgumentError, Option } from "commander";

/** pino's levels, most severe first: the prover client passes its `log_level` on to its embedded devnet. */
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** Where `npm start` keeps its native host key (datadir `./data`), so the two trust each other by default. */
const DEFAULT_PROVER_KEY_FILE = "data/native-host.key";

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function hex32(text: string): string {
  const digits = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(digits)) throw new InvalidArgumentError("expected 32 bytes as 64 hex digits");
  return digits.toLowerCase();
}

const program = new Command()
  .name("devnet")
  .description(
    "A local rollup devnet: EL blocks with execution witnesses, a CL sequencer, checkpoints, one JSON-RPC server.",
  )
  .option(
    "--block-time <ms>",
    "milliseconds between blocks (0: none on a timer)",
    integer(0, MAX_TIMER_MS),
    1000,
  )
  .option("--slots-per-epoch <n>", "L2 slots per epoch (one checkpoint each)", integer(1, 1_000_000), 4)
  .option("--seed <text>", "everything is derived from it: same seed, same chain", "paas-devnet")
  .option("--port <port>", "port on 127.0.0.1 (0: a free one)", integer(0, 65_535), 8545)
  .option(
    "--data-dir <dir>",
    "keeps the chain (chain.sqlite) and sequencer.key: started again on it, the devnet continues its chain",
  )
  .option("--chain-id <id>", "EL chain id, also the rollup's chain id", integer(1, 2 ** 32), 1337)
  .option(
    "--prover-pubkey <hex>",
    "the prover host's x-only public key whose checkpoint proofs are accepted",
    hex32,
  )
  .option(
    "--prover-key-file <path>",
    `derive the trusted key from a native prover host key file (created if absent); default ${DEFAULT_PROVER_KEY_FILE}, the prover client's own with its default datadir`,
  )
  .option(
    "--checkpoint-program-id <hex>",
    "the checkpoint program's id (32 bytes); default: the id of this repository's checkpoint program",
    hex32,
  )
  .option(
    "--retain-blocks <n>",
    "keep the execution witnesses of this many newest EL blocks; older ones answer NOT_FOUND (pruned)",
    integer(1),
    8192, // @paas/devchain's DEFAULT_RETAIN_BLOCKS; not imported, the chain's modules load after parsing
  )
  .addOption(
    new Option(
      "--log-level <level>",
      "print output this severe or more: info is a line per slot and checkpoint, warn a rejected proof, error what failed (the banner is always printed)",
    )
      .choices(LOG_LEVELS)
      .default("info"),
  )
  .addOption(
    // For a process that starts the devnet as its child (the prover client's embedded devnet): it
    // keeps our stdin open, and its death, even by SIGKILL, closes it.
    new Option("--stop-with-parent", "stop when standard input closes").hideHelp(),
  )
  .showHelpAfterError();

program.parse();
const flags = program.opts<{
  blockTime: number;
  slotsPerEpoch: number;
  seed: string;
  port: number;
  dataDir?: string;
  chainId: number;
  proverPubkey?: string;
  proverKeyFile?: string;
  checkpointProgramId?: string;
  retainBlocks: number;
  logLevel: LogLevel;
  stopWithParent?: boolean;
}>();

/** Whether output at `level` is printed at `--log-level`. */
const shows = (level: LogLevel): boolean => LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(flags.logLevel);

if (flags.proverPubkey !== undefined && flags.proverKeyFile !== undefined) {
  program.error("error: give at most one of --prover-pubkey <hex> and --prover-key-file <path>");
}

// Loaded once the flags are known to be good: the EVM stack takes a moment to load.
const [
  { startDevnet },
  { proverPublicKeyFromKeyFile },
  { CHECKPOINT, shortHex, toHex },
  { programIdOf },
  { RpcErrorCode },
] = await Promise.all([
  import("./devnet.js"),
  import("./keys.js"),
  import("@paas/rollup"),
  import("@paas/zkvm/program"),
  import("@paas/jsonrpc"),
]);
const checkpointProgramId =
  flags.checkpointProgramId ??
  toHex(programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version)).slice(2);
/**
 * Why the devnet cannot start (a key file others may read, a data directory in use): its message
 * and exit code 1, without a stack, and without the usage, which the flags were not at fault in.
 */
function refuse(error: unknown): never {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
let trustedProverKey: string;
try {
  trustedProverKey =
    flags.proverPubkey ??
    toHex(proverPublicKeyFromKeyFile(flags.proverKeyFile ?? DEFAULT_PROVER_KEY_FILE)).slice(2);
} catch (error) {
  refuse(error);
}
// The admin token's file goes in the data directory; without one, in a directory of our own that
// only this user may enter, removed at the stop.
const tokenDir = flags.dataDir ?? mkdtempSync(path.join(tmpdir(), "paas-devnet-"));
const removeTokenDir = () => {
  if (flags.dataDir === undefined) rmSync(tokenDir, { recursive: true, force: true });
};
const devnet = await startDevnet({
  port: flags.port,
  blockTimeMs: flags.blockTime,
  slotsPerEpoch: flags.slotsPerEpoch,
  seed: flags.seed,
  chainId: flags.chainId,
  dataDir: flags.dataDir,
  trustedProverKey,
  checkpointProgramId,
  retainBlocks: flags.retainBlocks,
  adminTokenDir: tokenDir,
  // Only the unexpected: a caller's mistake (unknown method, bad params) is answered, not printed.
  onError: (error, info) => {
    if (info.sent.code === RpcErrorCode.INTERNAL_ERROR && shows("error")) {
      console.error(`rpc ${info.method ?? "(no method)"} failed:`, error);
    }
  },
}).catch((error: unknown) => {
  removeTokenDir();
  return refuse(error);
});

// Signals are handled before anything is printed: whoever sees the URL may stop us at once.
let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    if (shows("error")) console.error(`${signal} again: exiting now`);
    removeTokenDir();
    process.exit(130);
  }
  stopping = true;
  if (shows("info")) console.log(`${signal}: stopping…`);
  devnet
    .close()
    .then(
      () => {
        if (shows("info")) console.log("devnet stopped");
      },
      (error: unknown) => {
        if (shows("error")) console.error("devnet did not stop cleanly:", error);
        process.exitCode = 1;
      },
    )
    // The token's own directory goes too. The standard input read for --stop-with-parent would
    // keep us running until the parent closes it, and a parent that stopped us with a signal waits
    // for our exit first.
    .finally(() => {
      removeTokenDir();
      if (flags.stopWithParent) process.stdin.destroy();
    });
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
// Its terminal closed: the chain is closed as at Ctrl-C, not cut off mid-write.
process.on("SIGHUP", () => stop("SIGHUP"));
// A reader gone (`npm run devnet | head`, a parent's closed pipe) stops us as a signal would,
// closing the chain, instead of an unhandled EPIPE that printed a stack and left it unclosed.
const outputClosed = () => {
  if (!stopping) stop("standard output closed");
};
process.stdout.on("error", outputClosed);
process.stderr.on("error", outputClosed);
if (flags.stopWithParent) {
  // A parent gone without stopping us would leave the chain's lock held (and the port, and the
  // CPU of a block timer) until our next write to its closed pipe, or forever with no timer.
  process.stdin.on("end", () => {
    if (!stopping) stop("the process that started the devnet is gone");
  });
  process.stdin.resume();
}

const { chain } = devnet;
console.log(`devnet listening on ${devnet.url}`);
console.log(
  `  chain ${flags.chainId}, ${flags.slotsPerEpoch} slots per epoch, ` +
    (flags.blockTime > 0 ? `a block every ${flags.blockTime} ms` : "no timer (devnet_produceBlocks)") +
    `, seed "${flags.seed}"`,
);
console.log(`  sequencer ${toHex(chain.sequencerPublicKey)}`);
console.log(`  trusted prover ${trustedProverKey}, checkpoint program ${checkpointProgramId}`);
console.log(`  keeps the execution witnesses of the last ${flags.retainBlocks} EL blocks`);
console.log(
  `  admin token ${devnet.adminTokenFile} (devnet_* calls that change state: Authorization: Bearer <its first line>)`,
);

// The banner above is printed at every level: it carries the URL, which a parent process reads.
chain.subscribe((event: DevChainEvent) => {
  switch (event.type) {
    case "block": {
      if (!shows("info")) break;
      const { slot, epoch, el } = event.block;
      const header = el.block.header;
      console.log(
        `slot ${slot} · epoch ${epoch} · EL #${header.number} ${shortHex(header.hash())} · ` +
          `${el.block.transactions.length} txs · ${header.gasUsed.toLocaleString("en")} gas · ` +
          `witness ${el.witness.state.length} nodes`,
      );
      break;
    }
    case "checkpoint": {
      if (!shows("info")) break;
      const { index, l2Range } = event.checkpoint.info;
      console.log(`checkpoint ${index} created: epoch ${index}, slots ${l2Range.start}..${l2Range.end}`);
      break;
    }
    case "proof": {
      const result = event.result;
      if (result.outcome === "rejected") {
        if (shows("warn")) console.log(`checkpoint ${result.index} proof rejected: ${result.reason}`);
      } else if (shows("info")) {
        console.log(`checkpoint ${result.index} proof ${result.outcome}`);
      }
      break;
    }
    case "error":
      if (shows("error")) console.error("block production stopped:", event.error);
      break;
  }
});
