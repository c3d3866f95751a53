/**
 * An empty config file name (`--config "$CONFIG"`, or `PAAS_CONFIG=${CONFIG}` in a unit or a compose
 * file, with the variable unset) is refused naming where it came from: read as "no file", the start
 * ran on the defaults, on an embedded devnet and a fresh SQLite database, not the rollup it was
 * configured for.
 */
import { afterAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runPaas, tempDatadir } from "../scenarios/app.js";

// Should the start run after all, its database and devnet go here, not to ./data of the project.
const data = tempDatadir();
afterAll(() => data.remove());

it("refuses an empty --config or PAAS_CONFIG, naming which, rather than start on the defaults", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const start = ["start", "--datadir", data.dir, "--port", "0", "--no-progress"];
  const [flag, variable] = await Promise.all([
    runPaas([...start, "--config", ""]),
    runPaas(start, { PAAS_CONFIG: " " }),
  ]);
  expect(flag.code).toBe(1);
  expect(flag.stderr).toContain(
    "error (INVALID_CONFIG): --config names no file (it is empty): name the config file, or leave it out",
  );
  expect(variable.code).toBe(1);
  expect(variable.stderr).toContain(
    "error (INVALID_CONFIG): PAAS_CONFIG names no file (it is empty): name the config file, or leave it out",
  );
});
