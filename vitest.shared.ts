import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const setupFile = fileURLToPath(new URL("./vitest.setup.ts", import.meta.url));
const globalSetupFile = fileURLToPath(new URL("./vitest.global-setup.ts", import.meta.url));

/** One test configuration for every project, so a package's tests run the same under Nx and alone. */
export function projectTestConfig(projectRoot: string, overrides: { testTimeout?: number } = {}) {
  return defineConfig({
    root: projectRoot,
    resolve: { tsconfigPaths: true },
    test: {
      include: ["test/**/*.test.ts", "src/**/*.test.ts", "examples/**/*.test.ts"],
      setupFiles: [setupFile],
      globalSetup: [globalSetupFile],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 30_000,
      pool: "forks",
      maxWorkers: 2,
    },
  });
}
