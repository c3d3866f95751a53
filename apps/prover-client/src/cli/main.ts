#!/usr/bin/env node
/**
 * The `paas` command: `paas start` runs the prover client, `paas prover-server` a proving server
 * for remote backends; the other commands talk to a running prover client over JSON-RPC.
 *
 * Only the commands' definitions load before the command line is parsed: each command loads what
 * it runs on in its action, so `paas --version` and `paas --help` answer without loading the app.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { addClientCommands } from "./client-commands.js";
import { addProverServerCommand } from "./prover-server-command.js";
import { addStartCommand } from "./start-command.js";
import { terminalSafe } from "./terminal-text.js";

const program = new Command()
  .name("paas")
  .description("Prover-as-a-Service: proves a rollup's EVM blocks, CL blocks and checkpoints")
  .version(packageVersion(), "-V, --version", "print the version of the prover client")
  .showHelpAfterError();
addStartCommand(program);
addProverServerCommand(program);
addClientCommands(program, (text) => process.stdout.write(`${terminalSafe(text)}\n`));
// A reader that stops early (`paas list | head`, a pager quit) ends the output, which is no error,
// and so does a terminal that hung up (EIO: its window closed, its ssh session dropped): the
// "SIGHUP: stopping…" `paas start` wrote to it was an unhandled error that killed the client before
// it stopped. Output that cannot be written otherwise (`> file` on a full disk) is an error. No
// write is an unhandled error event and its stack: not one after the first failed (the stream is
// destroyed then), nor one to a stderr gone too.
const readerGone = new Set(["EPIPE", "EIO", "ERR_STREAM_DESTROYED"]);
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== undefined && readerGone.has(error.code)) return;
  process.stderr.write(`error: cannot write the output: ${error.message}\n`);
  process.exitCode = 1;
});
process.stderr.on("error", () => {});

try {
  await program.parseAsync();
} catch (error) {
  const { describeCliError } = await import("./cli-error.js");
  process.stderr.write(`${describeCliError(error)}\n`);
  process.exit(1);
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return (manifest as { version: string }).version;
}
