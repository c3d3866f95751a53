import { statSync } from "node:fs";
import path from "node:path";

/** The environment variable naming the Ethereum Foundation fixtures' folder. */
export const ETHEREUM_TESTS_ENV = "PAAS_ETHEREUM_TESTS";

/** This repository's root (the source runs from packages/evm/src/testing). */
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, "../../../..");

/**
 * The folder of the Ethereum Foundation fixtures (`ethereum/tests`, with `BlockchainTests/`):
 * `$PAAS_ETHEREUM_TESTS` when set (relative to the working directory), otherwise
 * `../shared/fixtures/ethereum-tests` from the repository root. Throws, saying where it looked and
 * how to point elsewhere, when that folder does not exist.
 */
export function ethereumTestsDir(): string {
  const override = process.env[ETHEREUM_TESTS_ENV];
  const given = override !== undefined && override.trim() !== "";
  const dir = given
    ? path.resolve(override.trim())
    : path.resolve(REPOSITORY_ROOT, "../shared/fixtures/ethereum-tests");
  if (!isDirectory(dir)) {
    const source = given
      ? `${ETHEREUM_TESTS_ENV}=${override}`
      : `the default, ../shared/fixtures/ethereum-tests beside the repository; set ${ETHEREUM_TESTS_ENV} to use another folder`;
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
