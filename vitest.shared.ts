import { fileURLToPath } from "node:url";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const setupFile = fileURLToPath(new URL("./vitest.setup.ts", import.meta.url));
const globalSetupFile = fileURLToPath(new URL("./vitest.global-setup.ts", import.meta.url));

/**
 * The package.json export condition that maps our packages to their TypeScript sources; without
 * it they resolve to their built JavaScript in dist/ (what a consumer installing them gets).
 */
export const SOURCE_CONDITION = "@paas/source";

/**
 * Tests run on the sources, with no build: vite resolves our packages by the source condition,
 * and so does every process the tests start (test workers, worker threads, spawned CLIs and the
 * embedded devnet), which inherit NODE_OPTIONS. A test of the built app clears it for its child.
 */
const nodeOptions = process.env.NODE_OPTIONS ?? "";
if (!nodeOptions.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${nodeOptions} --conditions=${SOURCE_CONDITION}`.trim();
}

/** One test configuration for every project, so a package's tests run the same under Nx and alone. */
export function projectTestConfig(projectRoot: string, overrides: { testTimeout?: number } = {}) {
  return defineConfig({
    root: projectRoot,
    resolve: { tsconfigPaths: true, conditions: [SOURCE_CONDITION, ...defaultServerConditions] },
    ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
    test: {
      include: ["test/**/*.test.ts", "src/**/*.test.ts", "examples/**/*.test.ts"],
      setupFiles: [setupFile],
      globalSetup: [globalSetupFile],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 30_000,
      // expect.poll is a functional wait, as `until` is: its default 1 s was less than an event-loop
      // stall under CI's load (a prune test's task not yet claimed when the poll gave up).
      expect: { poll: { timeout: 15_000 } },
      pool: "forks",
      maxWorkers: 2,
    },
  });
}
