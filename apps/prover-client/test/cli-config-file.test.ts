/**
 * An empty config file name (`--config "$CONFIG"`, or `PAAS_CONFIG=${CONFIG}` in a unit or a compose
 * file, with the variable unset) is refused naming where it came from: read as "no file", the start
 * ran on the defaults, on an embedded devnet and a fresh SQLite database, not the rollup it was
 * configured for.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

/**
 * A config file read from another directory than the working directory (a unit's is /var/lib/paas,
 * its config in /etc/paas): every relative path in it is relative to the file. `datadir` was, but a
 * plugin's `chain_spec_file` was looked for in the working directory, and a host's `key_file` in
 * the data directory.
 */
it("reads the relative paths of a config file relative to that file", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-config-dir-"));
  try {
    const file = path.join(dir, "paas.toml");
    writeFileSync(
      file,
      [
        'datadir = "state"',
        "[backends.native]",
        'key_file = "keys/host.key"',
        "[plugin_settings.evm-ee-stf]",
        'chain_spec_file = "genesis.json"',
      ].join("\n"),
    );
    // Found, and refused for what it holds: the start ends there, before any devnet.
    writeFileSync(path.join(dir, "genesis.json"), "not json");
    const run = await runPaas(["start", "--config", file, "--port", "0", "--no-progress"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `plugin_settings.evm-ee-stf.chain_spec_file (${path.join(dir, "genesis.json")}): not a readable JSON file: Unexpected token`,
    );
    expect(existsSync(path.join(dir, "state"))).toBe(true);
    expect(existsSync(path.join(dir, "keys", "host.key"))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
