/**
 * `npx nx run evm-ee-stf:conformance -- [dir...] [--witness recorded|full] [--workers N]
 *   [--witness-threads N] [--timeout-ms N]`
 *
 * Runs every Ethereum Foundation blockchain test under the folders (default both of @paas/evm/testing's
 * `ethereumTestsDir()` and `ethereumInvalidTestsDir()`: valid blocks, and invalid blocks with a fork
 * transition) through the EVM EE STF program on a native host: valid blocks must be proven, invalid
 * ones refused by the program. One line per test, then `N passed, N failed` and the counts per
 * category. Exits 1 if any test did not pass.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ethereumInvalidTestsDir, ethereumTestsDir } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import {
  caseLabel,
  DEFAULT_TEST_TIMEOUT_MS,
  describeCounts,
  listConformanceFiles,
  runConformance,
  type WitnessKind,
} from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    witness: { type: "string", default: "recorded" },
    workers: { type: "string", default: "2" },
    "witness-threads": { type: "string", default: "1" },
    "timeout-ms": { type: "string", default: String(DEFAULT_TEST_TIMEOUT_MS) },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const witness = values.witness as WitnessKind;
if (witness !== "recorded" && witness !== "full")
  fail(`--witness must be "recorded" or "full", got "${values.witness}"`);
function integer(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    fail(`--${name} must be an integer from 1 to ${max}, got "${text}"`);
  return value;
}
const workers = integer("workers", values.workers, 64);
const witnessThreads = integer("witness-threads", values["witness-threads"], 64);
const timeoutMs = integer("timeout-ms", values["timeout-ms"], 3_600_000);

/** Relative folders are looked up from the caller's folder, then from the workspace root (Nx runs us in the project). */
function resolveDir(given: string): string {
  if (path.isAbsolute(given)) return given;
  const bases = [process.env.INIT_CWD, process.cwd(), path.resolve(import.meta.dirname, "../../..")];
  for (const base of bases) {
    if (base !== undefined && existsSync(path.resolve(base, given))) return path.resolve(base, given);
  }
  return path.resolve(given);
}

let dirs: string[];
try {
  dirs =
    positionals.length > 0 ? positionals.map(resolveDir) : [ethereumTestsDir(), ethereumInvalidTestsDir()];
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
for (const dir of dirs) if (!existsSync(dir)) fail(`no such folder: ${dir}`);
const files = dirs.flatMap((dir) => listConformanceFiles(dir));
const dirOf = (file: string) => dirs.find((dir) => file.startsWith(dir + path.sep)) ?? path.dirname(file);
console.log(
  `${files.length} fixture files under ${dirs.join(", ")}; ${witness} witnesses, ${workers} proving workers, ` +
    `${witnessThreads} witness threads, ${timeoutMs} ms per test`,
);
const started = performance.now();
const host = new NativeHost({ workers, privateKey: randomBytes(32) });
try {
  const summary = await runConformance(host, files, {
    witness,
    witnessThreads,
    timeoutMs,
    onResult(result) {
      const label = caseLabel(result, path.dirname(dirOf(result.file)));
      const blocks = `${result.validProven} valid proven, ${result.invalidRefused} invalid refused`;
      if (result.status === "passed") console.log(`PASS ${label} (${blocks}, ${result.ms} ms)`);
      else if (result.status === "soundness-failure")
        console.log(`SOUNDNESS FAILURE ${label}: ${result.error}`);
      else console.log(`${result.status.toUpperCase()} ${label}: ${result.error}`);
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
  console.log(`${describeCounts(summary.counts)} (${seconds} s)`);
  if (summary.counts.soundnessFailures > 0) {
    console.log(
      `SOUNDNESS: the program proved ${summary.counts.soundnessFailures} block(s) the tests say are invalid`,
    );
  }
  if (summary.failed > 0) process.exitCode = 1;
} finally {
  await host.close();
}
