import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.js";

function tomlFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-config-"));
  const file = path.join(dir, "prover.toml");
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  it("has a documented default for every key", () => {
    const config = loadConfig();
    expect(config).toMatchObject({
      datadir: "./data",
      log_level: "info",
      default_backend: "native",
      backends: { native: { workers: 2 } },
      retry: { max_retries: 15, base_delay_ms: 5_000, multiplier: 1.5, max_delay_ms: 3_600_000 },
      rpc: { enabled: true, host: "127.0.0.1", port: 4844, max_body_bytes: 1_048_576 },
      nodes: { timeout_ms: 10_000 },
      devnet: { block_time_ms: 1_000, slots_per_epoch: 4, seed: "paas-devnet", chain_id: 1_337 },
    });
    expect(config.plugins).toEqual([
      "@paas/plugin-evm-ee-stf",
      "@paas/plugin-cl-stf",
      "@paas/plugin-checkpoint",
    ]);
  });

  it("layers file < environment < --set, reading values as TOML", () => {
    const file = tomlFile(`
datadir = "state"
[rpc]
port = 5000
[retry]
max_retries = 3
[plugin_settings.checkpoint]
runner = false
`);
    const config = loadConfig({
      file,
      env: { PAAS_RPC__PORT: "5001", PAAS_LOG_LEVEL: "debug", HOME: "/root" },
      overrides: ["rpc.port=5002", "backends.native.workers=4"],
    });
    expect(config.rpc.port).toBe(5002);
    expect(config.log_level).toBe("debug");
    expect(config.retry.max_retries).toBe(3);
    expect(config.backends.native?.workers).toBe(4);
    expect(config.plugin_settings).toEqual({ checkpoint: { runner: false } });
    expect(config.datadir).toBe(path.join(path.dirname(file), "state"));
  });

  it("names every bad key and says what is wrong", () => {
    const file = tomlFile(`
log_level = "loud"
[rpc]
port = 70000
colour = "blue"
[nodes]
cl_url = "ftp://example.com"
`);
    let message = "";
    try {
      loadConfig({ file });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`invalid configuration in ${file}`);
    expect(message).toMatch(/log_level: .*"fatal"/);
    expect(message).toMatch(/rpc\.port: .*65535/);
    expect(message).toContain(`rpc: unknown key(s) "colour"`);
    expect(message).toContain("nodes.cl_url: must be an http(s) URL");
  });

  it("requires both node URLs or neither", () => {
    expect(() => loadConfig({ overrides: ["nodes.cl_url=http://127.0.0.1:9000"] })).toThrow(
      /nodes: set both cl_url and el_url/,
    );
  });

  it("refuses a file that is not TOML, and a malformed override", () => {
    expect(() => loadConfig({ file: tomlFile("rpc = [") })).toThrow(/is not valid TOML/);
    expect(() => loadConfig({ file: "/nonexistent/prover.toml" })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ overrides: ["rpc.port"] })).toThrow(/--set expects key.path=value/);
  });
});
