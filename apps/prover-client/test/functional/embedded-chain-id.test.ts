/**
 * `devnet.chain_id`: the embedded devnet runs its EL under that chain id, and the EVM proofs must
 * run under the same rules. They ran under the evm-ee-stf plugin's default, the devnet's rules with
 * chain id 1337, so every EVM proof failed for good ("transaction 0 is for chain 31337, but this
 * plugin executes chain 1337") and no checkpoint was ever accepted.
 */
import { until } from "@paas/testing";
import { afterAll, expect, it } from "vitest";
import { startApp, tempDatadir } from "../../scenarios/app.js";
import type { ProverApp } from "../../src/app/build-app.js";
import { loadConfig } from "../../src/config/load-config.js";

const data = tempDatadir();
let app: ProverApp | undefined;

afterAll(async () => {
  await app?.close();
  data.remove();
});

it("proves the embedded devnet's checkpoints under another chain id", { timeout: 120_000 }, async () => {
  app = await startApp(
    loadConfig({
      overrides: [
        `datadir="${data.dir}"`,
        "rpc.port=0",
        "progress.enabled=false",
        "devnet.chain_id=31337",
        "devnet.block_time_ms=300",
        "devnet.slots_per_epoch=2",
        "plugin_settings.checkpoint.interval_ms=100",
      ],
    }),
  );
  const reports = () => app!.service.pluginReports();
  const failed = async () => (await app!.service.summary()).byStatus.permanent_failure;
  const accepted = async () =>
    ((await reports()).checkpoint as { lastAccepted: number | null }).lastAccepted !== null;
  await until(
    async () => (await failed()) > 0 || (await accepted()),
    "a checkpoint accepted by the devnet's CL, or a proof failed",
    90_000,
  );
  expect(await failed()).toBe(0);
  expect((await reports())["evm-ee-stf"]).toMatchObject({ chainSpec: { spec: { chainId: 31337 } } });
});
