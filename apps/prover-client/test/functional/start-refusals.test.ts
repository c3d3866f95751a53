/**
 * A start refused for its plugins (a setting, or a plugin without the ones it needs) stops before it
 * has touched anything: no task database created or migrated, no devnet started, only the plugins
 * loaded (they say what their settings are and what they need). A port in use is found once the
 * nodes are up, before the prover service starts.
 */
import { existsSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { startApp, tempDatadir } from "../../scenarios/app.js";
import { loadConfig } from "../../src/config/load-config.js";

const data = tempDatadir();
afterAll(() => data.remove());

async function refusal(setting: string): Promise<{ error: unknown; stages: string[] }> {
  const stages: string[] = [];
  const config = loadConfig({
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
      'plugin_settings.checkpont: no plugin registered for kind "checkpont" (registered: evm-ee-stf, cl-stf, checkpoint)',
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
