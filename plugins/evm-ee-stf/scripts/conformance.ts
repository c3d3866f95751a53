/**
 * `npx nx run evm-ee-stf:conformance -- [dir] [--witness recorded|full] [--workers N]`
 *
 * Runs every Ethereum Foundation blockchain test under `dir` (default: @paas/evm/testing's
 * `ethereumTestsDir()`, `$PAAS_ETHEREUM_TESTS` or the shared fixtures beside the repository) through
 * the EVM EE STF program on a native host, one line per test, then `N passed, N failed`. Exits 1 if
 * any test failed.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ethereumTestsDir } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import { caseLabel, listConformanceFiles, runConformance, type WitnessKind } from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    witness: { type: "string", default: "recorded" },
    workers: { type: "string", default: "2" },
  },
});
const witness = values.witness as WitnessKind;
if (witness !== "recorded" && witness !== "full") {
  console.error(`--witness must be "recorded" or "full", got "${values.witness}"`);
  process.exit(2);
}
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  console.error(`--workers must be an integer from 1 to 64, got "${values.workers}"`);
  process.exit(2);
}

/** Relative folders are looked up from the caller's folder, then from the workspace root (Nx runs us in the project). */
function resolveDir(given: string | undefined): string {
  if (given === undefined) {
    try {
      return ethereumTestsDir();
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    }
  }
  if (path.isAbsolute(given)) return given;
  const bases = [process.env.INIT_CWD, process.cwd(), path.resolve(import.meta.dirname, "../../..")];
  for (const base of bases) {
    if (base !== undefined && existsSync(path.resolve(base, given))) return path.resolve(base, given);
  }
  return path.resolve(given);
}

const dir = resolveDir(positionals[0]);
if (!existsSync(dir)) {
  console.error(`no such folder: ${dir}`);
  process.exit(2);
}
const files = listConformanceFiles(dir);
console.log(`${files.length} fixture files under ${dir}; ${witness} witnesses, ${workers} proving workers`);
const started = performance.now();
const host = new NativeHost({ workers, privateKey: randomBytes(32) });
try {
  const summary = await runConformance(host, files, {
    witness,
    onResult(result) {
      const label = caseLabel(result, dir);
      console.log(
        result.passed
          ? `PASS ${label} (${result.blocks} blocks, ${result.ms} ms)`
          : `FAIL ${label}: ${result.error}`,
      );
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${summary.passed} passed, ${summary.failed} failed (${seconds} s)`);
  if (summary.failed > 0) process.exitCode = 1;
} finally {
  await host.close();
}
