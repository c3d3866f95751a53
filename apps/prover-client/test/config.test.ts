import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ProofPluginDefinition } from "@paas/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { hostsConfig } from "../src/app/host-options.js";
import { loadConfig } from "../src/config/load-config.js";
import { pluginSettingPaths } from "../src/config/setting-paths.js";

/** A config file in a directory of its own, removed when the test ends. */
function tomlFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-config-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
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
      nodes: { timeout_ms: 10_000, el_thread_heap_mb: 2_048 },
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
    expect(config.backends.native).toMatchObject({ type: "native", workers: 4 });
    expect(config.plugin_settings).toEqual({ checkpoint: { runner: false } });
    expect(config.datadir).toBe(path.join(path.dirname(file), "state"));
  });

  it("reads a kind or backend name from the environment with '_' for '-', as a shell can export it", () => {
    const config = loadConfig({
      env: {
        PAAS_PLUGIN_SETTINGS__EVM_EE_STF__MAX_BLOCKS: "8",
        PAAS_KINDS__CL_STF__BACKEND: "prover-net",
        PAAS_BACKENDS__PROVER_NET__TYPE: "native",
        PAAS_DEFAULT_BACKEND: "prover-net",
      },
    });
    expect(config.plugin_settings).toEqual({ "evm-ee-stf": { max_blocks: 8 } });
    expect(config.kinds["cl-stf"]).toEqual({ backend: "prover-net" });
    expect(config.backends["prover-net"]).toMatchObject({ type: "native" });
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

  it("leaves PAAS_ variables that name no config key to their own tools", () => {
    const config = loadConfig({
      env: { PAAS_PROVER_SERVER_TOKEN: "a-token-of-the-server", PAAS_RPC_TOKEN: "x", PAAS_RPC__PORT: "4850" },
    });
    expect(config.rpc.port).toBe(4850);
  });

  it("refuses a config key's variable written with one underscore between levels, naming the right one", () => {
    // Ignored, PAAS_DATABASE_URL would start the instance on SQLite beside its cluster's database.
    const load = () =>
      loadConfig({
        env: {
          PAAS_DATABASE_URL: "postgres://paas:S3cretPass@db/paas",
          PAAS_RPC_PORT: "4850",
          PAAS_RPC__HOST: "localhost",
        },
      });
    expect(load).toThrow(
      "environment variable PAAS_DATABASE_URL names no config key: write PAAS_DATABASE__URL (two underscores between section and key)",
    );
    expect(load).toThrow("environment variable PAAS_RPC_PORT names no config key: write PAAS_RPC__PORT");
    expect(load).not.toThrow("S3cretPass");
  });

  it("refuses a PAAS_<SECTION>__<KEY> variable whose section is misspelt, naming the one meant", () => {
    // Ignored, PAAS_DATABSE__URL started the instance on SQLite beside its cluster's database, and
    // PAAS_PLUGIN_SETTING__CHECKPOINT__RUNNER=false left the runner running. No other tool's
    // variable has "__" in its name: such a variable is meant for the config.
    const load = () =>
      loadConfig({
        env: {
          PAAS_DATABSE__URL: "postgres://paas:S3cretPass@db/paas",
          PAAS_PLUGIN_SETTING__CHECKPOINT__RUNNER: "false",
          PAAS_WIDGETS__SIZE: "3",
        },
      });
    expect(load).toThrow(
      "environment variable PAAS_DATABSE__URL names no config key: no section databse (did you mean PAAS_DATABASE__URL?)",
    );
    expect(load).toThrow(
      "environment variable PAAS_PLUGIN_SETTING__CHECKPOINT__RUNNER names no config key: no section plugin_setting (did you mean PAAS_PLUGIN_SETTINGS__CHECKPOINT__RUNNER?)",
    );
    expect(load).toThrow(/environment variable PAAS_WIDGETS__SIZE names no config key: no section widgets$/m);
    expect(load).not.toThrow("S3cretPass");
  });

  it("suggests the key meant for an unknown one, wherever it was written", () => {
    const file = tomlFile("log_levle = 'debug'\n[rpc]\nprot = 4850\n[backends.native]\nworkrs = 4\n");
    const load = () => loadConfig({ file, env: { PAAS_CLUSTER__LEASE: "60000" } });
    expect(load).toThrow(`(top level): unknown key(s) "log_levle" (did you mean "log_level"?)`);
    expect(load).toThrow(`rpc: unknown key(s) "prot" (did you mean "port"?)`);
    expect(load).toThrow(`backends.native: unknown key(s) "workrs" (did you mean "workers"?)`);
    expect(load).toThrow(
      `cluster: unknown key(s) "lease" (from environment variable PAAS_CLUSTER__LEASE; did you mean "lease_ms"?)`,
    );
    // Nothing near: no guess.
    expect(() => loadConfig({ overrides: ["rpc.colour=1"] })).toThrow(
      /rpc: unknown key\(s\) "colour" \(from --set rpc\.colour\)$/m,
    );
  });

  it("takes the EL thread's heap limit, and refuses one too small for the thread to decode a witness", () => {
    expect(loadConfig({ overrides: ["nodes.el_thread_heap_mb=4096"] }).nodes.el_thread_heap_mb).toBe(4_096);
    expect(() => loadConfig({ overrides: ["nodes.el_thread_heap_mb=64"] })).toThrow(
      /nodes\.el_thread_heap_mb/,
    );
  });

  it("refuses a path starting with ~, which only a shell expands", () => {
    // Accepted, it named a directory called "~" beside the config file: a fresh, empty data directory.
    const load = () =>
      loadConfig({ overrides: ['datadir="~/paas-data"', 'backends.native.key_file="~/host.key"'] });
    expect(load).toThrow("datadir: starts with ~, which only a shell expands: write the full path");
    expect(load).toThrow("backends.native.key_file: starts with ~");
    expect(loadConfig({ overrides: ['datadir="./data~"'] }).datadir).toBe(path.resolve("data~"));
  });

  it("reads a relative path in the config file relative to it, from the environment or --set relative to the working directory", () => {
    const file = tomlFile(`
datadir = "state"
[backends.native]
key_file = "keys/native.key"
[backends.other]
key_file = "other.key"
[plugin_settings.demo]
spec_file = "spec.json"
spec = "spec.json"
`);
    const dir = path.dirname(file);
    const fromFile = loadConfig({ file });
    expect(fromFile.datadir).toBe(path.join(dir, "state"));
    expect(fromFile.backends.native).toMatchObject({ key_file: path.join(dir, "keys", "native.key") });
    const demo = { kind: "demo", paths: ["spec_file"] } as unknown as ProofPluginDefinition;
    // Only the keys the plugin names as paths.
    expect(pluginSettingPaths(fromFile, [demo]).demo).toEqual({
      spec_file: path.join(dir, "spec.json"),
      spec: "spec.json",
    });
    const given = loadConfig({
      file,
      env: { PAAS_BACKENDS__OTHER__KEY_FILE: "env.key", PAAS_PLUGIN_SETTINGS__DEMO__SPEC_FILE: "env.json" },
      overrides: ['datadir="here"'],
    });
    expect(given.datadir).toBe(path.resolve("here"));
    expect(given.backends.native).toMatchObject({ key_file: path.join(dir, "keys", "native.key") });
    expect(given.backends.other).toMatchObject({ key_file: path.resolve("env.key") });
    expect(pluginSettingPaths(given, [demo]).demo).toMatchObject({ spec_file: path.resolve("env.json") });
    // A table set whole from the command line is the command line's.
    const table = loadConfig({ file, overrides: ['backends.native={ key_file = "cli.key" }'] });
    expect(table.backends.native).toMatchObject({ key_file: path.resolve("cli.key") });
    // An absolute path is itself wherever it was written.
    expect(loadConfig({ file, overrides: ['datadir="/srv/paas"'] }).datadir).toBe("/srv/paas");
  });

  it("refuses a relative key_file that moved away from the key the backend signed with", () => {
    // Before, a relative key_file was inside the datadir: a new key made where it now points would
    // sign proofs the CL does not trust.
    const file = tomlFile(`
[backends.native]
key_file = "native.key"
`);
    const dir = path.dirname(file);
    mkdirSync(path.join(dir, "state"));
    writeFileSync(path.join(dir, "state", "native.key"), "");
    expect(() =>
      loadConfig({ file, overrides: [`datadir=${JSON.stringify(path.join(dir, "state"))}`] }),
    ).toThrow(
      `backends.native.key_file: ${path.join(dir, "native.key")} does not exist, but ${path.join(dir, "state", "native.key")} does`,
    );
  });

  it("refuses a plugin package listed twice, naming it", () => {
    expect(() =>
      loadConfig({ overrides: ['plugins=["@paas/plugin-evm-ee-stf", "@paas/plugin-evm-ee-stf"]'] }),
    ).toThrow('plugins: "@paas/plugin-evm-ee-stf" is listed twice');
  });

  it("names the environment variable or flag an unknown key or a bad value came from", () => {
    const load = () => loadConfig({ env: { PAAS_RPC__COLOUR: "blue" }, overrides: ["claim.speed=9"] });
    expect(load).toThrow(`rpc: unknown key(s) "colour" (from environment variable PAAS_RPC__COLOUR)`);
    expect(load).toThrow(`claim: unknown key(s) "speed" (from --set claim.speed)`);
    // An unknown section is named by the key set below it.
    expect(() => loadConfig({ overrides: ["claims.kinds=1"] })).toThrow(
      `(top level): unknown key(s) "claims" (from --set claims.kinds; did you mean "claim"?)`,
    );
    expect(() => loadConfig({ env: { PAAS_RPC__PORT: "abc" } })).toThrow(
      "rpc.port: Invalid input: expected number, received string (from environment variable PAAS_RPC__PORT)",
    );
    expect(() => loadConfig({ overrides: ["retry.max_retries=-1"] })).toThrow(
      /retry\.max_retries: .* \(from --set retry\.max_retries\)$/,
    );
    // Named by key or flag, never by value: values may be secrets, and the message reaches logs.
    const secret = () =>
      loadConfig({
        overrides: [
          { set: 'database.url="postgress://paas:S3cretPass@db/paas"', from: "--database-url" },
          'rpc.auth_token="hunter2secret"',
        ],
      });
    expect(secret).toThrow(/database\.url: .* \(from --database-url\)/);
    expect(secret).toThrow(/rpc\.auth_token: must be at least 16 characters \(from --set rpc\.auth_token\)/);
    expect(secret).not.toThrow(/S3cretPass|hunter2/);
  });

  it("names where a key that is not a table was set, not the flag or variable that sets a key below it", () => {
    const file = tomlFile('nodes = "http://10.0.0.5:8432"\n');
    const cl = { set: 'nodes.cl_url="http://10.0.0.5:8432"', from: "--cl-url" };
    expect(() => loadConfig({ file, overrides: [cl] })).toThrow(
      `nodes (from ${file}) is not a table, so --cl-url cannot set nodes.cl_url`,
    );
    expect(() =>
      loadConfig({ env: { PAAS_RPC: "1" }, overrides: [{ set: "rpc.port=4850", from: "--port" }] }),
    ).toThrow("rpc (from environment variable PAAS_RPC) is not a table, so --port cannot set rpc.port");
  });

  it("says how to write a string or a list that TOML read as another type", () => {
    // A numeric seed or token is a TOML number there, a host name a bare word; quoted, they load.
    const load = () =>
      loadConfig({
        env: { PAAS_DEVNET__SEED: "123", PAAS_RPC__ALLOWED_HOSTS: "proxy.local" },
        overrides: ["rpc.auth_token=1234567890123456"],
      });
    expect(load).toThrow(
      `devnet.seed: Invalid input: expected string, received number (from environment variable PAAS_DEVNET__SEED, read as TOML: quote it, '"…"')`,
    );
    expect(load).toThrow(
      `rpc.allowed_hosts: Invalid input: expected array, received string (from environment variable PAAS_RPC__ALLOWED_HOSTS, read as TOML: write a list, '["…"]')`,
    );
    expect(load).toThrow(
      /rpc\.auth_token: .*received number \(from --set rpc\.auth_token, read as TOML: quote it/,
    );
    const quoted = loadConfig({
      env: { PAAS_DEVNET__SEED: '"123"', PAAS_RPC__ALLOWED_HOSTS: '["proxy.local"]' },
      overrides: ['rpc.auth_token="1234567890123456"'],
    });
    expect(quoted).toMatchObject({
      devnet: { seed: "123" },
      rpc: { allowed_hosts: ["proxy.local"], auth_token: "1234567890123456" },
    });
  });

  it("names every backend mistake by key before anything starts", () => {
    const file = tomlFile(`
default_backend = "fast"
[backends.native]
workers = 2
[backends.net]
type = "remote"
public_key = "abc"
[backends.lab]
type = "quantum"
[kinds.evm-ee-stf]
backend = "nowhere"
[kinds.checkpoint]
prove_timeout_ms = -5
`);
    let message = "";
    try {
      loadConfig({ file });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/backends\.net\.url: must be an http\(s\) URL/);
    expect(message).toMatch(/backends\.net\.public_key: a key is 64 lower-case hex digits/);
    expect(message).toMatch(/backends\.lab(\.type)?: type must be "native" or "remote"/);
    expect(message).toMatch(/kinds\.checkpoint\.prove_timeout_ms: /);
  });

  it("takes a backend without a type as remote when it has a url, native otherwise", () => {
    const config = loadConfig({
      overrides: [
        'backends.lab.url="http://10.0.0.7:4850"',
        `backends.lab.public_key="${"ab".repeat(32)}"`,
        "backends.spare.workers=3",
        `default_backend="spare"`,
      ],
    });
    expect(config.backends.lab).toMatchObject({ type: "remote", url: "http://10.0.0.7:4850" });
    expect(config.backends.spare).toMatchObject({ type: "native", workers: 3 });
  });

  it("refuses a kind or a default mapped to a backend nobody configured", () => {
    expect(() => loadConfig({ overrides: ['kinds.evm-ee-stf.backend="nowhere"'] })).toThrow(
      /kinds\.evm-ee-stf\.backend: backend "nowhere" is not configured \(configured: native\)/,
    );
    expect(() => loadConfig({ overrides: ['default_backend="fast"'] })).toThrow(
      /default_backend: backend "fast" is not configured/,
    );
  });

  it("takes remote backends and per-kind backends", () => {
    const key = "ab".repeat(32);
    const config = loadConfig({
      file: tomlFile(`
[backends.native]
workers = 1
[backends.net]
type = "remote"
url = "http://127.0.0.1:4900/"
token = "secret"
public_key = "${key}"
[kinds.evm-ee-stf]
backend = "net"
prove_timeout_ms = 600000
`),
    });
    expect(config.backends.net).toEqual({
      type: "remote",
      url: "http://127.0.0.1:4900/",
      token: "secret",
      public_key: key,
      concurrency: 4,
      poll_interval_ms: 1_000,
      request_timeout_ms: 10_000,
    });
    expect(config.kinds).toEqual({ "evm-ee-stf": { backend: "net", prove_timeout_ms: 600_000 } });
  });

  it("takes PostgreSQL, a role, claim restrictions and the prefetch depth, and refuses a database URL that is not PostgreSQL's", () => {
    const config = loadConfig({
      env: { PAAS_DATABASE__URL: "postgres://paas:pw@db.internal:5432/paas" },
      overrides: [
        'cluster.role="worker"',
        'claim.kinds=["evm-ee-stf"]',
        "claim.prefetch=0",
        'nodes.cl_url="http://10.0.0.5:8432"',
        'nodes.el_url="http://10.0.0.6:8545"',
      ],
    });
    expect(config.database.url).toBe("postgres://paas:pw@db.internal:5432/paas");
    expect(config.cluster).toEqual({ role: "worker", lease_ms: 30_000, max_interruptions: 3 });
    expect(config.claim).toEqual({ kinds: ["evm-ee-stf"], prefetch: 0, prefetch_max_heap_mb: 1_024 });
    expect(() => loadConfig({ overrides: ["claim.prefetch=-1"] })).toThrow(/claim\.prefetch/);
    expect(() => loadConfig({ overrides: ['database.url="mysql://x/y"'] })).toThrow(
      /database\.url: must be a postgres:\/\/ URL/,
    );
    expect(() => loadConfig({ overrides: ['cluster.role="boss"'] })).toThrow(/cluster\.role/);
    // A worker leaves the checkpoint runner to another instance: SQLite has no other instance.
    expect(() => loadConfig({ overrides: ['cluster.role="worker"'] })).toThrow(
      /cluster\.role: a worker runs no checkpoint runner .* needs a shared PostgreSQL database/,
    );
    // A schema of its own on a shared server; a schema is PostgreSQL's, and a plain SQL name.
    const withSchema = loadConfig({
      env: {
        PAAS_DATABASE__URL: "postgres://paas:pw@db.internal:5432/paas",
        PAAS_DATABASE__SCHEMA: "rollup_a",
      },
      overrides: ['nodes.cl_url="http://10.0.0.5:8432"', 'nodes.el_url="http://10.0.0.6:8545"'],
    });
    expect(withSchema.database.schema).toBe("rollup_a");
    expect(() => loadConfig({ overrides: ['database.schema="rollup_a"'] })).toThrow(
      /database\.schema: is a PostgreSQL schema: it needs database\.url/,
    );
    expect(() => loadConfig({ overrides: ['database.schema="Rollup-A"'] })).toThrow(
      /database\.schema: a plain lower-case SQL name/,
    );
    // The pool's size is PostgreSQL's too, and too small a pool would stall the group commit.
    expect(
      loadConfig({
        env: {
          PAAS_DATABASE__URL: "postgres://paas:pw@db.internal:5432/paas",
          PAAS_DATABASE__POOL_SIZE: "4",
        },
        overrides: ['nodes.cl_url="http://10.0.0.5:8432"', 'nodes.el_url="http://10.0.0.6:8545"'],
      }).database.pool_size,
    ).toBe(4);
    expect(() => loadConfig({ overrides: ["database.pool_size=20"] })).toThrow(
      /database\.pool_size: sizes the PostgreSQL pool: it needs database\.url/,
    );
    expect(() =>
      loadConfig({ overrides: ['database.url="postgres://paas:pw@db/paas"', "database.pool_size=2"] }),
    ).toThrow(/database\.pool_size: must be at least 3/);
    // Instances sharing a database must share a chain: an embedded devnet is each one's own.
    expect(() => loadConfig({ overrides: ['database.url="postgres://paas:pw@db/paas"'] })).toThrow(
      /nodes: a shared PostgreSQL database \(database\.url\) needs the rollup's nodes/,
    );
  });

  it("refuses to listen beyond loopback without a token, unless told to accept the risk", () => {
    expect(() => loadConfig({ overrides: ['rpc.host="0.0.0.0"'] })).toThrow(
      /rpc\.host: 0\.0\.0\.0 is reachable beyond this machine: set rpc\.auth_token/,
    );
    expect(
      loadConfig({ overrides: ['rpc.host="0.0.0.0"', 'rpc.auth_token="a-long-enough-token-1"'] }).rpc.host,
    ).toBe("0.0.0.0");
    expect(
      loadConfig({ overrides: ['rpc.host="10.0.0.5"', "rpc.allow_unauthenticated=true"] }).rpc.host,
    ).toBe("10.0.0.5");
    // The examples' placeholder is no secret: copied as it is, it is refused.
    expect(() =>
      loadConfig({ overrides: ['rpc.host="0.0.0.0"', 'rpc.auth_token="change-me-to-a-long-random-secret"'] }),
    ).toThrow(/rpc\.auth_token: is the example's placeholder: set a long random secret/);
    for (const host of ["127.0.0.1", "localhost", "::1", "127.1.2.3"]) {
      expect(loadConfig({ overrides: [`rpc.host="${host}"`] }).rpc.host).toBe(host);
    }
  });

  it("refuses a token that no Authorization header carries whole, which would refuse every action", () => {
    // A passphrase: the server reads one word after "Bearer", so no client could ever match it.
    for (const token of ["correct horse battery staple", "tab\tseparated-secret", "pässwörd-0123456789€"]) {
      expect(() => loadConfig({ overrides: [`rpc.auth_token=${JSON.stringify(token)}`] }), token).toThrow(
        /rpc\.auth_token: must be printable ASCII without spaces/,
      );
    }
    expect(() =>
      loadConfig({
        overrides: [
          'backends.gpu.url="http://10.0.0.7:4900"',
          'backends.gpu.token="two words-0123456789"',
          `backends.gpu.public_key="${"ab".repeat(32)}"`,
        ],
      }),
    ).toThrow(/backends\.gpu\.token: must be printable ASCII without spaces/);
    const token = "Zx9!~#$%&'()*+,-./:;<=>?@[]^_`{|}";
    expect(loadConfig({ overrides: [`rpc.auth_token=${JSON.stringify(token)}`] }).rpc.auth_token).toBe(token);
  });

  it("takes the Host names a loopback server answers besides its own, without ports", () => {
    expect(loadConfig({ overrides: ['rpc.allowed_hosts=["prover.internal"]'] }).rpc.allowed_hosts).toEqual([
      "prover.internal",
    ]);
    expect(() => loadConfig({ overrides: ['rpc.allowed_hosts=["prover.internal:8080"]'] })).toThrow(
      /rpc\.allowed_hosts\.0: a host name without a port/,
    );
  });

  it("refuses a delay or timeout longer than a timer can wait, which would fire at once", () => {
    for (const key of [
      "nodes.timeout_ms",
      "kinds.checkpoint.prove_timeout_ms",
      "progress.interval_ms",
      "backends.native.idle_timeout_ms",
      "retry.max_delay_ms",
    ]) {
      expect(() => loadConfig({ overrides: [`${key}=3000000000`] })).toThrow(
        `${key}: at most 2147483647 ms (about 24.8 days): what a timer can wait`,
      );
    }
  });

  it("hands a native backend's guest heap cap to its host, and refuses one that is not a size", () => {
    const config = loadConfig({ overrides: ["backends.native.max_guest_heap_mb=512"] });
    expect(hostsConfig(config.backends).backends.native).toMatchObject({ maxGuestHeapMb: 512 });
    expect(() => loadConfig({ overrides: ["backends.native.max_guest_heap_mb=0"] })).toThrow(
      "backends.native.max_guest_heap_mb",
    );
  });

  it("states one bound per value out of range, the one that holds", () => {
    // A lease of 0 was told both ">0" and ">=1000", a prefetch of 1e20 "<=9007199254740991" beside
    // "<=10000": two lines, the first a bound that is not the key's.
    const bounds = (key: string, value: string) => {
      try {
        loadConfig({ overrides: [`${key}=${value}`] });
        return [];
      } catch (error) {
        return (error as Error).message.split("\n").filter((line) => /(small|big|at least)/i.test(line));
      }
    };
    expect(bounds("cluster.lease_ms", "0")).toEqual([
      "  cluster.lease_ms: Too small: expected number to be >=1000 (from --set cluster.lease_ms)",
    ]);
    expect(bounds("database.pool_size", "0")).toEqual([
      "  database.pool_size: must be at least 3: the group commit, lease renewals and reads need one each (from --set database.pool_size)",
    ]);
    expect(bounds("claim.prefetch", "1e20")).toEqual([
      "  claim.prefetch: Too big: expected number to be <=10000 (from --set claim.prefetch)",
    ]);
  });

  it("refuses an embedded devnet setting the devnet would refuse, by key", () => {
    expect(() => loadConfig({ overrides: ["devnet.chain_id=99999999999"] })).toThrow(
      "devnet.chain_id: at most 4294967296 (2^32), what the devnet takes (from --set devnet.chain_id)",
    );
    expect(loadConfig({ overrides: ["devnet.chain_id=4294967296"] }).devnet.chain_id).toBe(2 ** 32);
  });

  it("requires both node URLs or neither", () => {
    expect(() => loadConfig({ overrides: ["nodes.cl_url=http://127.0.0.1:9000"] })).toThrow(
      /nodes: set both cl_url and el_url/,
    );
  });

  it("refuses a file that is not TOML, and a malformed override", () => {
    expect(() => loadConfig({ file: tomlFile("rpc = [") })).toThrow(/is not valid TOML/);
    // Where and what, without the file's text: a token whose closing quote is missing stays out of logs.
    const unclosed = tomlFile('[rpc]\nauth_token = "s3cr3t-0123456789abcdef\nport = 4850\n');
    expect(() => loadConfig({ file: unclosed })).toThrow(
      /is not valid TOML at line 2, column \d+: control characters are not allowed in strings$/,
    );
    expect(() => loadConfig({ file: "/nonexistent/prover.toml" })).toThrow(/cannot read config file/);
    // An empty name is a mistake (an unset variable), not "no file": read as none, the defaults ran.
    expect(() => loadConfig({ file: "" })).toThrow("the config file's name is empty");
    expect(() => loadConfig({ overrides: ["rpc.port"] })).toThrow(/--set expects key.path=value/);
    // A value whose "=" was mistyped is not quoted back: it may be a secret, and the message reaches logs.
    const mistyped = () => loadConfig({ overrides: ["rpc.auth_token:S3cretTokenValue0123"] });
    expect(mistyped).toThrow('--set expects key.path=value (e.g. --set rpc.port=4850): one has no "="');
    expect(mistyped).not.toThrow("S3cretTokenValue0123");
  });
});
