/**
 * A Ctrl-C while `paas cancel`, `paas retry` (with filters) or `paas prune` waits does not stop the
 * action: the prover client goes on with it. The command says so, and exits 130 as interrupted.
 */
import { spawn } from "node:child_process";
import { until } from "@paas/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BIN, CLI_TEST_TIMEOUT_MS, childEnv } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const TOKEN = ["--token", "an-operator-token-0123456789"];
let server: Awaited<ReturnType<typeof stubProverRpc>>;
const methods: string[] = [];

beforeAll(async () => {
  // A prover client busy with every action for longer than the test waits.
  server = await stubProverRpc(async ({ method }) => {
    methods.push(method);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    return { result: null };
  });
});

afterAll(() => server.close());

it.each([
  ["cancel", ["cancel", "--kind", "leaf"], "paas_cancelTasks"],
  ["retry", ["retry", "--status", "cancelled"], "paas_retryTasks"],
  ["prune", ["prune", "--older-than", "7d", "--delete-receipts"], "paas_prune"],
])(
  "says that the %s goes on when interrupted",
  { timeout: CLI_TEST_TIMEOUT_MS },
  async (what, args, method) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@paas/source", BIN, ...args, ...TOKEN, "--rpc", server.url],
      { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await until(() => methods.includes(method), `${method} sent`);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toBe(
      `interrupted: the prover client goes on with the ${what} (it was sent; leaving does not stop it): paas report shows the counts as it goes\n`,
    );
  },
);
