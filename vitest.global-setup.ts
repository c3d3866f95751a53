// By path, not by package name: vitest loads this file outside the projects' resolution settings,
// where "@paas/core" would resolve to its build, which tests must not need.

import type { TestProject } from "vitest/node";
import { redactedUrl } from "./packages/core/src/store/open-postgres.js";
import { probePostgres } from "./packages/core/src/testing/test-databases.js";

/** Once per test run: find out whether PostgreSQL tests run, and say which dialects do. */
export default async function setup(project: TestProject): Promise<void> {
  const postgres = await probePostgres();
  project.provide("postgres", postgres);
  if (postgres.skipped !== undefined) {
    console.warn(`\n!!! PostgreSQL tests are SKIPPED in this run: ${postgres.skipped}\n`);
  } else {
    console.log(`store suites run on SQLite and PostgreSQL (${redactedUrl(postgres.url ?? "")})`);
  }
}
