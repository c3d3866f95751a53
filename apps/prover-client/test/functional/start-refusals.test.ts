/**
 * A start refused for its plugins (a setting, or a plugin without the ones it needs) stops before it
 * has touched anything: no task database created or migrated, no devnet started, only the plugins
 * loaded (they say what their settings are and what they need). A port in use is found once the
 * nodes are up, before the prover service starts.
 */
import { existsSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createTestDatabase } from "@paas/core/testing";
import { readRpcTokenFile } from "@paas/jsonrpc";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { loadConfig } from "../../src/config/load-config.js";

const postgres = inject("postgres");
const data = tempDatadir();
afterAll(() => data.remove());

async function refusal(
  setting: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ error: unknown; stages: string[] }> {
  const stages: string[] = [];
  const config = loadConfig({
    env,
    overrides: [`datadir="${data.dir}"`, "rpc.port=0", "progress.enabled=false", setting],
  });
  const error = await startApp(config, undefined, { onStage: (message) => stages.push(message) }).then(
    (app) => app.close().then(() => "started"),
    (error: unknown) => error,
  );
  return { error, stages };
}

it("refuses a section for a kind no plugin registers (a misspelt kind), naming the registered kinds", async () => {
  const { error, stages } = await refusal("plugin_settings.checkpont.interval_ms=100");
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      'plugin_settings.checkpont: no plugin registered for kind "checkpont" (registered: evm-ee-stf, cl-stf, checkpoint)\n' +
      "  (interval_ms from --set plugin_settings.checkpont.interval_ms)",
  });
  expect(stages).toEqual([expect.stringMatching(/^loading plugins: /)]);
  expect(existsSync(path.join(data.dir, "paas.sqlite"))).toBe(false);
});

it("refuses a value its plugin refuses, before the database and the devnet", async () => {
  const { error, stages } = await refusal("plugin_settings.checkpoint.interval_ms=-5");
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message: expect.stringMatching(/^plugin_settings\.checkpoint: /),
  });
  expect(String((error as Error).message)).toContain("interval_ms");
  expect(stages).toEqual([expect.stringMatching(/^loading plugins: /)]);
  expect(existsSync(path.join(data.dir, "paas.sqlite"))).toBe(false);
});

it("says where a value its plugin refuses was set when not in the config file, as for the app's own keys", async () => {
  // Only "→ at horizon" was said: the operator looked for it in the file, not in the unit's environment.
  const { error } = await refusal("plugin_settings.checkpoint.window=2", {
    PAAS_PLUGIN_SETTINGS__CL_STF__HORIZON: "-1",
  });
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      "plugin_settings.cl-stf: ✖ Too small: expected number to be >=0\n  → at horizon\n" +
      "  (horizon from environment variable PAAS_PLUGIN_SETTINGS__CL_STF__HORIZON)",
  });
});

it("refuses a misspelt key of a plugin's section, naming the key meant, as the app's own keys are", async () => {
  const { error, stages } = await refusal("plugin_settings.checkpoint.interval=10000");
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      'plugin_settings.checkpoint: ✖ Unrecognized key: "interval" (did you mean "interval_ms"?)\n' +
      "  (interval from --set plugin_settings.checkpoint.interval)",
  });
  expect(stages).toEqual([expect.stringMatching(/^loading plugins: /)]);
});

it("refuses plugins whose dependencies' proof types no loaded plugin makes, before anything else", async () => {
  const { error, stages } = await refusal('plugins=["@paas/plugin-evm-ee-stf", "@paas/plugin-checkpoint"]');
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      'plugin "checkpoint" depends on proofs of "cl-stf", which no registered plugin makes (registered: evm-ee-stf, checkpoint): add its plugin',
  });
  expect(stages).toEqual([expect.stringMatching(/^loading plugins: /)]);
  expect(existsSync(path.join(data.dir, "paas.sqlite"))).toBe(false);
});

it("refuses a plugin's RPC method of a name the app serves, naming the plugin", async () => {
  const plugin = pathToFileURL(path.join(import.meta.dirname, "../fixtures/app-method-plugin.ts")).href;
  const { error } = await refusal(`plugins=["${plugin}"]`);
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      'RPC method paas_submitTask of plugin "app-method" is one the app serves: the plugin must name it otherwise',
  });
});

it("refuses a plugin's RPC method that does not say whether it changes state, rather than serve it without the token", async () => {
  const plugin = pathToFileURL(path.join(import.meta.dirname, "../fixtures/unflagged-method-plugin.ts")).href;
  const { error } = await refusal(`plugins=["${plugin}"]`);
  expect(error).toMatchObject({
    code: "INVALID_CONFIG",
    message:
      'RPC method unflagged_submit of plugin "unflagged" must say whether it changes state: mutates: true (it then needs the bearer token) or false',
  });
});

it("refuses a port in use before the prover service starts proving", { timeout: 120_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const { error, stages } = await refusal(`rpc.port=${port}`);
    expect(error).toMatchObject({ code: "INVALID_CONFIG" });
    expect((error as Error).message).toMatch(
      new RegExp(`^rpc: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
    expect(stages.some((stage) => stage.startsWith("starting the prover service"))).toBe(false);
  } finally {
    taken.close();
  }
});

describe.skipIf(postgres.url === undefined)("on PostgreSQL", () => {
  it("refuses a second instance on a data directory in use, naming the first; another directory starts", {
    timeout: 60_000,
  }, async () => {
    const { location } = await createTestDatabase("postgres", postgres);
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    const shared = tempDatadir();
    const other = tempDatadir();
    // Nodes that do not answer are enough: nothing here proves, and no devnet is started.
    const config = (dir: string) =>
      testConfig(dir, "http://127.0.0.1:9/", [
        `database.url="${location.url}"`,
        `database.schema="${location.schema}"`,
        "plugin_settings.checkpoint.runner=false",
      ]);
    const first = await startApp(config(shared.dir));
    try {
      const stages: string[] = [];
      await expect(
        startApp(config(shared.dir), undefined, { onStage: (message) => stages.push(message) }),
      ).rejects.toMatchObject({
        code: "DATABASE_IN_USE",
        message: expect.stringMatching(
          new RegExp(
            `^data directory ${shared.dir} is in use by another prover client \\(pid ${process.pid} on .+\\): give each instance its own \\(--datadir\\)`,
          ),
        ),
      });
      expect(stages.at(-1)).toMatch(/^opening the task database: PostgreSQL/);
      // The first one's token file is still the one the CLI reads.
      expect(readRpcTokenFile(shared.dir)?.url).toBe(first.rpcUrl);
      const second = await startApp(config(other.dir));
      await second.close();
    } finally {
      await first.close();
      shared.remove();
      other.remove();
    }
  });
});
