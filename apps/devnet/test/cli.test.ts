import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { JsonRpcClient, RpcErrorCode } from "@paas/jsonrpc";
import { ClClient, ElClient } from "@paas/rollup";
import { afterAll, describe, expect, it } from "vitest";
import { failure, SOME_PROGRAM_ID, SOME_PROVER_KEY } from "./helpers.js";

/** A devnet on any free port that makes blocks only when asked, with a prover key and program given. */
const ON_DEMAND = [
  "--port",
  "0",
  "--block-time",
  "0",
  "--prover-pubkey",
  SOME_PROVER_KEY,
  "--checkpoint-program-id",
  SOME_PROGRAM_ID,
];

const MAIN = path.join(import.meta.dirname, "../src/main.ts");
/** tsx by path, so the command can run from any working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const dataDir = mkdtempSync(path.join(tmpdir(), "devnet-cli-"));
const children: ChildProcessWithoutNullStreams[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

function run(args: readonly string[], cwd = path.dirname(MAIN)) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], { cwd });
  children.push(child);
  let output = "";
  const waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const waiter of [...waiters]) {
      const match = output.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  // "close", not "exit": the process may end before its last output has been read.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    /** Resolves when the output matches; fails after `ms` with what was printed. */
    waitFor(pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`)),
          ms,
        );
        const done = (match: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(match);
        };
        const match = output.match(pattern);
        if (match) done(match);
        else waiters.push({ pattern, resolve: done });
      });
    },
  };
}

describe("the devnet command", () => {
  it("prints its URL and progress, serves JSON-RPC, and stops cleanly on Ctrl-C", async () => {
    const proverKeyFile = path.join(dataDir, "native-host.key");
    const cli = run([
      "--port",
      "0",
      "--block-time",
      "30",
      "--slots-per-epoch",
      "2",
      "--seed",
      "cli-test",
      "--chain-id",
      "31337",
      "--data-dir",
      dataDir,
      "--prover-key-file",
      proverKeyFile,
      "--checkpoint-program-id",
      SOME_PROGRAM_ID,
      "--retain-blocks",
      "2",
    ]);
    const [, url] = await cli.waitFor(/devnet listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    await cli.waitFor(/keeps the execution witnesses of the last 2 EL blocks/);
    await cli.waitFor(/checkpoint 0 created: epoch 0, slots 1\.\.2/);
    await cli.waitFor(/slot 3 · /);
    const pruned = await failure(new ElClient({ url: url! }).getExecutionWitness(1));
    expect(pruned.rpcCode).toBe(RpcErrorCode.NOT_FOUND);
    expect(pruned.message).toMatch(/execution witness of EL block 1 not found: pruned/);
    expect(cli.output()).toMatch(/slot 1 · epoch 0 · EL #1 0x[0-9a-f]{8}…[0-9a-f]{8} · \d+ txs/);
    const params = await new ClClient({ url: url! }).getRollupParams();
    expect(params).toMatchObject({ chainId: 31337, slotsPerEpoch: 2 });
    expect(statSync(path.join(dataDir, "sequencer.key")).mode & 0o777).toBe(0o600);
    expect(statSync(proverKeyFile).mode & 0o777).toBe(0o600);
    expect(cli.output()).toContain(`admin token ${path.join(dataDir, "rpc-token")} `);
    expect(statSync(path.join(dataDir, "rpc-token")).mode & 0o777).toBe(0o600);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(existsSync(path.join(dataDir, "rpc-token"))).toBe(false);
    expect(cli.output()).toMatch(/SIGINT: stopping…\s+devnet stopped/);
  });

  it("prints where its admin token is, refuses a change without it, and removes it at the stop", async () => {
    const cli = run(ON_DEMAND);
    const [, url] = await cli.waitFor(/devnet listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, file] = await cli.waitFor(/admin token (\S+) \(devnet_\* calls that change state/);
    // Without --data-dir: in a directory of its own, only this user may enter.
    expect(statSync(path.dirname(file!)).mode & 0o777).toBe(0o700);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const [token, forUrl] = readFileSync(file!, "utf8").split("\n");
    expect(forUrl).toBe(url);
    const refused = await failure(new JsonRpcClient({ url: url! }).call("devnet_pauseCl"));
    expect(refused.rpcCode).toBe(RpcErrorCode.UNAUTHORIZED);
    expect(refused.message).toContain(`the devnet's admin token is the first line of ${file}`);
    const admin = new JsonRpcClient({ url: url!, bearerToken: token! });
    expect(await admin.call("devnet_pauseCl")).toMatchObject({ clPaused: true });
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(existsSync(path.dirname(file!))).toBe(false);
  });

  it("prints only its banner at --log-level warn while it produces", async () => {
    const cli = run([...ON_DEMAND, "--log-level", "warn"]);
    const [, url] = await cli.waitFor(/devnet listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, file] = await cli.waitFor(/admin token (\S+) /);
    const bearerToken = readFileSync(file!, "utf8").split("\n")[0]!;
    await new JsonRpcClient({ url: url!, bearerToken }).call("devnet_produceBlocks", [5]);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/keeps the execution witnesses/);
    expect(cli.output()).not.toMatch(/^(slot|checkpoint) \d+ /m);
    expect(cli.output()).not.toMatch(/stopping|stopped/);
  });

  it("answers and stops on Ctrl-C while devnet_produceBlocks runs a long batch", async () => {
    const cli = run(ON_DEMAND);
    const [, url] = await cli.waitFor(/devnet listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, file] = await cli.waitFor(/admin token (\S+) /);
    const bearerToken = readFileSync(file!, "utf8").split("\n")[0]!;
    const admin = new JsonRpcClient({ url: url!, bearerToken, timeoutMs: 120_000, retry: { attempts: 1 } });
    void admin.call("devnet_produceBlocks", [10_000]).catch(() => undefined);
    await cli.waitFor(/slot 2 · /);
    // Blocks settle in microtasks: without a turn of the event loop between them the node would
    // not answer, nor hear the signal, until the whole batch was done (minutes).
    const el = new ElClient({ url: url!, timeoutMs: 3_000, retry: { attempts: 1 } });
    expect(await el.blockNumber()).toBeGreaterThan(0);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    // The blocks under way when the signal came, then the stop: not the rest of the batch.
    expect(cli.output()).toMatch(/SIGINT: stopping…[\s\S]*devnet stopped\s*$/);
    expect(cli.output().match(/^slot \d+ /gm)!.length).toBeLessThan(1_000);
  });

  it("stops on SIGTERM from the process that started it with --stop-with-parent", async () => {
    // As the prover client's embedded devnet: its parent holds our standard input open while it
    // waits for us to exit, and used to SIGKILL us after 5 s of waiting.
    const cli = run([...ON_DEMAND, "--stop-with-parent"]);
    await cli.waitFor(/devnet listening on /);
    cli.child.kill("SIGTERM");
    await cli.waitFor(/devnet stopped/);
    expect(cli.child.stdin.writableEnded).toBe(false);
    expect(await cli.exited).toBe(0);
  });

  it("stops cleanly on SIGHUP, when the terminal it ran in closes", async () => {
    const cli = run(ON_DEMAND);
    await cli.waitFor(/devnet listening on /);
    cli.child.kill("SIGHUP");
    await cli.waitFor(/SIGHUP: stopping…[\s\S]*devnet stopped/);
    expect(await cli.exited).toBe(0);
  });

  it("stops cleanly, closing its chain, when the reader of its output goes away", async () => {
    // `npm run devnet | head`: the next slot's line meets a closed pipe.
    const chainDir = mkdtempSync(path.join(tmpdir(), "devnet-epipe-"));
    try {
      const cli = run([
        "--port",
        "0",
        "--block-time",
        "50",
        "--data-dir",
        chainDir,
        "--prover-pubkey",
        SOME_PROVER_KEY,
        "--checkpoint-program-id",
        SOME_PROGRAM_ID,
      ]);
      await cli.waitFor(/slot 1 · /);
      cli.child.stdout.destroy();
      expect(await cli.exited).toBe(0);
      expect(cli.output()).not.toMatch(/EPIPE|Unhandled/);
      // Closed, the chain's lock is free for the next devnet at once.
      const next = run([
        "--port",
        "0",
        "--block-time",
        "0",
        "--data-dir",
        chainDir,
        "--prover-pubkey",
        SOME_PROVER_KEY,
      ]);
      await next.waitFor(/devnet listening on /);
      next.child.kill("SIGINT");
      expect(await next.exited).toBe(0);
    } finally {
      rmSync(chainDir, { recursive: true, force: true });
    }
  });

  it("refuses a prover key file others can read with what to do, not a stack", async () => {
    const keyFile = path.join(dataDir, "shared.key");
    writeFileSync(keyFile, `${"11".repeat(32)}\n`, { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    const cli = run(["--port", "0", "--prover-key-file", keyFile]);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/^error: host key file .* has mode 0644; .*\(chmod 600 .*\)\n$/);
  });

  it("refuses two trusted prover keys, or a malformed one", async () => {
    const [two, bad] = [
      run(["--port", "0", "--prover-pubkey", SOME_PROVER_KEY, "--prover-key-file", path.join(dataDir, "k")]),
      run(["--port", "0", "--prover-pubkey", "12"]),
    ];
    expect(await two.exited).not.toBe(0);
    expect(two.output()).toMatch(/at most one of --prover-pubkey/);
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toMatch(/--prover-pubkey.*64 hex digits/);
  });

  it("by default trusts the prover client's default key file and this repository's checkpoint program", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "devnet-defaults-"));
    try {
      const cli = run(["--port", "0", "--block-time", "0"], cwd);
      await cli.waitFor(/trusted prover [0-9a-f]{64}, checkpoint program [0-9a-f]{64}/);
      expect(statSync(path.join(cwd, "data", "native-host.key")).mode & 0o777).toBe(0o600);
      const { programIdOf } = await import("@paas/zkvm/program");
      const { CHECKPOINT } = await import("@paas/rollup");
      const id = Buffer.from(programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version)).toString(
        "hex",
      );
      expect(cli.output()).toContain(`checkpoint program ${id}`);
      cli.child.kill("SIGINT");
      expect(await cli.exited).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
