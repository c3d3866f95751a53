import { redactedUrl } from "@paas/core";
import { probePostgres } from "@paas/core/testing";
import type { TestProject } from "vitest/node";

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
