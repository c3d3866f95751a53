import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ZkVmHost } from "@paas/core";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  createHostResolver,
  HostConfigError,
  type HostResolverOptions,
  type HostsConfig,
  NativeHost,
  type ZkVmHostResolver,
} from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "zkvm-resolver-"));
const resolvers: ZkVmHostResolver[] = [];
afterEach(async () => {
  await Promise.all(resolvers.splice(0).map((resolver) => resolver.close()));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function resolve(config: HostsConfig, options: HostResolverOptions = { dataDir }): ZkVmHostResolver {
  const resolver = createHostResolver(config, options);
  resolvers.push(resolver);
  return resolver;
}

function refusal(config: unknown, options: HostResolverOptions = { dataDir }) {
  try {
    resolve(config as HostsConfig, options);
  } catch (error) {
    expect(error).toBeInstanceOf(HostConfigError);
    return error as HostConfigError;
  }
  throw new Error("expected the config to be refused");
}

describe("host resolver", () => {
  it("builds a native host per backend and per kind override, keyed from the data directory", async () => {
    const resolver = resolve({
      backends: { native: { workers: 2 } },
      kinds: { checkpoint: { native: { workers: 1 } } },
    });
    expect(resolver.backends()).toEqual([{ backend: "native", concurrency: 3 }]);
    const shared = resolver.hostFor("cl-stf", "native");
    const own = resolver.hostFor("checkpoint", "native");
    expect(shared).toBeInstanceOf(NativeHost);
    expect(own).toBeInstanceOf(NativeHost);
    expect(own).not.toBe(shared);
    expect(resolver.hosts()).toEqual([shared, own]);
    expect([shared!.concurrency, own!.concurrency]).toEqual([2, 1]);
    expect(resolver.hostFor("cl-stf", "sp1")).toBeUndefined();
    expect(statSync(path.join(dataDir, "native-host.key")).mode & 0o777).toBe(0o600);
    // Both hosts load the same key file, so either verifies what the other proved.
    const receipt = await own!.prove(sumProgram, [1], { signal: new AbortController().signal });
    (shared as NativeHost).verify(receipt, sumProgram);
  });

  it("takes the key from config, and a relative key file inside the data directory", () => {
    const fromHex = resolve({ backends: { native: { workers: 1, privateKey: "03".repeat(32) } } });
    const fromFile = resolve({ backends: { native: { workers: 1, keyFile: "keys/host.key" } } });
    expect((fromHex.hostFor("x", "native") as NativeHost).publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dataDir, "keys", "host.key")).isFile()).toBe(true);
    expect(fromFile.hostFor("x", "native")).toBeInstanceOf(NativeHost);
  });

  it("refuses an unknown backend and one without an implementation", () => {
    const unknown = refusal({ backends: { nativ: {} } });
    expect(unknown.code).toBe("HOST_UNKNOWN_BACKEND");
    expect(unknown.message).toBe(
      'backends.nativ: unknown backend "nativ" (implemented: native; reserved: sp1, risc0, remote)',
    );
    const later = refusal({ backends: { native: { workers: 1 }, sp1: {} } });
    expect(later.code).toBe("HOST_NOT_IMPLEMENTED");
    expect(later.message).toMatch(/backend "sp1" has no host implementation yet \(implemented: native\)/);
  });

  it("refuses bad shapes and options, naming where they are", () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^backends must be an object/],
      [{ backends: {} }, /configure at least one backend/],
      [{ backends: { native: 2 } }, /^backends.native must be an object/],
      [{ backends: { native: { workers: 1, threads: 2 } } }, /^backends.native: unknown option\(s\) threads/],
      [{ backends: { native: { workers: "2" } } }, /^backends.native: workers must be a number/],
      [{ backends: { native: { workers: 0 } } }, /^backends.native: native host workers must be an integer/],
      [
        { backends: { native: {} }, kinds: { checkpoint: { sp1: {} } } },
        /^kinds.checkpoint.sp1: backend "sp1" is not configured/,
      ],
      [
        { backends: { native: {} }, kinds: { checkpoint: { native: { workers: -1 } } } },
        /^kinds.checkpoint.native: native/,
      ],
    ];
    for (const [config, message] of cases) {
      const error = refusal(config);
      expect(error.code).toBe("HOST_INVALID_CONFIG");
      expect(error.message).toMatch(message);
    }
    expect(refusal({ backends: { native: {} } }, {}).message).toMatch(
      /no host key: set privateKey or an absolute keyFile/,
    );
  });

  it("uses extra backend factories, and closes the hosts it built when a later one fails", async () => {
    const closed: string[] = [];
    const fake = (backend: string): ZkVmHost => ({
      backend,
      zkvm: "sp1",
      concurrency: 4,
      prove: () => Promise.reject(new Error("not used")),
      close: async () => {
        closed.push(backend);
      },
    });
    const resolver = resolve(
      { backends: { remote: {} } },
      { dataDir, factories: { remote: () => fake("remote") } },
    );
    expect(resolver.backends()).toEqual([{ backend: "remote", concurrency: 4 }]);
    await resolver.close();
    expect(closed).toEqual(["remote"]);
    const failing = refusal(
      { backends: { remote: {}, native: { workers: 1 } }, kinds: { k: { native: { privateKey: "bad" } } } },
      { dataDir, factories: { remote: () => fake("remote-2") } },
    );
    expect(failing.message).toMatch(/^kinds.k.native: native host privateKey: a host key is 64 hex digits/);
    expect(closed).toContain("remote-2");
  });
});
