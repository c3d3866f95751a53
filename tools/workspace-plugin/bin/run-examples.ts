#!/usr/bin/env -S node --import tsx
/**
 * Runs every `examples/*.ts` of the project in the current directory, one process each, so the
 * code in a package's docs is executed in CI and cannot rot. Fails if any example fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

// tsx applies one tsconfig, to the files it includes: the root one covers every project, so
// decorators in plugin packages compile wherever the example lives.
const ROOT_TSCONFIG = path.resolve(import.meta.dirname, "../../../tsconfig.json");

const dir = path.resolve("examples");
const examples = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .sort()
  : [];
let failed = 0;
for (const example of examples) {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ["--conditions=@paas/source", "--import", "tsx", path.join(dir, example)],
    {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
      encoding: "utf8",
      env: { ...process.env, TSX_TSCONFIG_PATH: ROOT_TSCONFIG },
    },
  );
  const ms = Math.round(performance.now() - started);
  if (result.status === 0) {
    console.log(`ok   ${example} (${ms} ms)`);
  } else {
    failed++;
    console.log(`FAIL ${example} (${ms} ms, exit ${result.status ?? result.signal})`);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
  }
}
console.log(`${examples.length - failed} of ${examples.length} examples ran cleanly`);
if (failed > 0) process.exitCode = 1;
