import { statSync } from "node:fs";
import path from "node:path";

/** The environment variable naming the Ethereum Foundation fixtures' folder (valid blocks). */
export const ETHEREUM_TESTS_ENV = "PAAS_ETHEREUM_TESTS";

/** The environment variable naming the folder of invalid-block and transition fixtures. */
export const ETHEREUM_INVALID_TESTS_ENV = "PAAS_ETHEREUM_TESTS_INVALID";

/** This repository's root (the source runs from packages/evm/src/testing). */
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, "../../../..");

/**
 * The folder of the Ethereum Foundation fixtures (`ethereum/tests`, with `BlockchainTests/`):
 * `$PAAS_ETHEREUM_TESTS` when set (relative to the working directory), otherwise
 * `../shared/fixtures/ethereum-tests` from the repository root. Throws, saying where it looked and
 * how to point elsewhere, when that folder does not exist.
 */
export function ethereumTestsDir(): string {
  return fixturesDir(ETHEREUM_TESTS_ENV, "ethereum-tests");
}

/**
 * The folder of the fixtures with invalid blocks (`BlockchainTests/InvalidBlocks`) and a fork
 * transition (`TransitionTests`): `$PAAS_ETHEREUM_TESTS_INVALID`, otherwise
 * `../shared/fixtures/ethereum-tests-invalid`. Same errors as `ethereumTestsDir`.
 */
export function ethereumInvalidTestsDir(): string {
  return fixturesDir(ETHEREUM_INVALID_TESTS_ENV, "ethereum-tests-invalid");
}

function fixturesDir(variable: string, folder: string): string {
  const override = process.env[variable];
  const given = override !== undefined && override.trim() !== "";
  const dir = given
    ? path.resolve(override.trim())
    : path.resolve(REPOSITORY_ROOT, `../shared/fixtures/${folder}`);
  if (!isDirectory(dir)) {
    const source = given
      ? `${variable}=${override}`
      : `the default, ../shared/fixtures/${folder} beside the repository; set ${variable} to use another folder`;
    throw new Error(`Ethereum Foundation fixtures not found: ${dir} is not a folder (${source})`);
  }
  return dir;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
