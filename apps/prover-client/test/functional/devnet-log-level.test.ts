/**
 * `log_level` holds for the embedded devnet's log too: above info, `<datadir>/devnet/devnet.log`
 * keeps the banner (the devnet's URL, which the client reads to start) and what went wrong, not a
 * line per slot (one a second by default, for as long as the client runs).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ElClient } from "@paas/rollup";
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

it("keeps the banner, with the URL, and no slot lines in devnet.log at log_level warn", {
  timeout: 120_000,
}, async () => {
  const config = loadConfig({
    overrides: [
      `datadir="${data.dir}"`,
      "rpc.port=0",
      "progress.enabled=false",
      'log_level="warn"',
      "devnet.block_time_ms=100",
      "devnet.slots_per_epoch=2",
    ],
  });
  const stages: string[] = [];
  app = await startApp(config, undefined, { onStage: (message) => stages.push(message) });
  const url = stages.map((stage) => /^embedded devnet at (\S+)/.exec(stage)?.[1]).find(Boolean)!;
  const el = new ElClient({ url, timeoutMs: 5_000 });
  await until(async () => (await el.blockNumber()) >= 3, "three blocks produced", 60_000);
  await app.close();
  app = undefined;
  const log = readFileSync(path.join(data.dir, "devnet", "devnet.log"), "utf8");
  expect(log).toContain(`devnet listening on ${url}`);
  expect(log).not.toMatch(/^slot \d+ /m);
  expect(log).not.toMatch(/^checkpoint \d+ created/m);
});
