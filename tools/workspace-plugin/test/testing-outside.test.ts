/**
 * @paas/testing as a plugin author outside this workspace uses it: the installed (built) packages,
 * a plugin in TypeScript tested with vitest, no `@paas/source` condition. The harness's native
 * host proves in worker threads, which must load the plugin's program module, a .ts file.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { WORKSPACE_ROOT } from "./support/sandbox.js";

const outside = mkdtempSync(join(tmpdir(), "paas-testing-outside-"));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

it("proves a TypeScript plugin with the built harness, as a project outside the workspace would", () => {
  for (const dir of ["packages/core", "packages/zkvm", "packages/jsonrpc", "packages/testing"]) {
    if (!existsSync(join(WORKSPACE_ROOT, dir, "dist/index.js"))) {
      throw new Error(`${dir} is not built: run \`npm run build\` (Nx builds it before this test)`);
    }
  }
  const examples = join(WORKSPACE_ROOT, "packages/testing/examples");
  cpSync(join(examples, "square-plugin"), join(outside, "square-plugin"), { recursive: true });
  cpSync(join(examples, "square-plugin.test.ts"), join(outside, "square-plugin.test.ts"));
  // Installed packages: the workspace's links resolve to each package's dist/ without the condition.
  symlinkSync(join(WORKSPACE_ROOT, "node_modules"), join(outside, "node_modules"));
  writeFileSync(
    join(outside, "package.json"),
    JSON.stringify({ name: "outside", type: "module", private: true }),
  );
  // What @inject in constructor parameters needs of a plugin author's TypeScript settings.
  writeFileSync(
    join(outside, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2023", module: "NodeNext", experimentalDecorators: true },
    }),
  );
  writeFileSync(
    join(outside, "vitest.config.mjs"),
    'export default { test: { include: ["*.test.ts"], pool: "forks", maxWorkers: 1, testTimeout: 120000 } };\n',
  );
  const { NODE_OPTIONS: _, ...env } = process.env;
  const result = spawnSync(join(WORKSPACE_ROOT, "node_modules/.bin/vitest"), ["run", "--root", outside], {
    cwd: outside,
    env,
    encoding: "utf8",
    timeout: 240_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  expect(output).not.toMatch(/Unknown file extension/);
  expect(result.status, output).toBe(0);
});
