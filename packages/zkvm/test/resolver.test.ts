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
import { schedulingProgram, sumProgram } from "./fixtures/programs.js";

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
  it("builds one host per backend, each with its own capacity, keyed from the data directory", async () => {
    const resolver = resolve({
      backends: { native: { workers: 2 }, checkpoints: { type: "native", workers: 1 } },
    });
    expect(resolver.backends()).toEqual([
      { backend: "checkpoints", concurrency: 1 },
      { backend: "native", concurrency: 2 },
    ]);
    const shared = resolver.hostFor("cl-stf", "native");
    const own = resolver.hostFor("checkpoint", "checkpoints");
    expect(shared).toBeInstanceOf(NativeHost);
    expect(own).toBeInstanceOf(NativeHost);
    expect(own).not.toBe(shared);
    expect([shared!.backend, own!.backend]).toEqual(["native", "checkpoints"]);
    expect(resolver.hosts()).toEqual([shared, own]);
    expect(resolver.hostFor("cl-stf", "sp1")).toBeUndefined();
    expect(statSync(path.join(dataDir, "native-host.key")).mode & 0o777).toBe(0o600);
    // Both hosts load the same key file, so either verifies what the other proved.
    const receipt = await own!.prove(sumProgram, [1], { signal: new AbortController().signal });
    (shared as NativeHost).verify(receipt, sumProgram);
    expect(resolver.publicKeys()).toEqual({
      native: (shared as NativeHost).publicKeyHex,
      checkpoints: (own as NativeHost).publicKeyHex,
    });
  });

  it("starts a native host's workers on first use only, and releases idle ones", async () => {
    const resolver = resolve({ backends: { native: { workers: 1, idleTimeoutMs: 100 } } });
    const host = resolver.hostFor("k", "native") as NativeHost;
    expect(host.threads).toBe(0);
    await host.prove(sumProgram, [2], { signal: new AbortController().signal });
    expect(host.threads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(host.threads).toBe(0);
    await host.prove(sumProgram, [3], { signal: new AbortController().signal });
  });

  it.runIf(process.platform === "linux")("passes idleScheduling to the native host's workers", async () => {
    const resolver = resolve({ backends: { native: { workers: 1, idleScheduling: false } } });
    const host = resolver.hostFor("k", "native") as NativeHost;
    const receipt = await host.prove(schedulingProgram, null, { signal: new AbortController().signal });
    expect(schedulingProgram.readOutput(receipt.publicValues).policy).toBe(0); // SCHED_OTHER
  });

  it("takes the key from config, and a relative key file inside the data directory", () => {
    const fromHex = resolve({ backends: { native: { workers: 1, privateKey: "03".repeat(32) } } });
    const fromFile = resolve({ backends: { native: { workers: 1, keyFile: "keys/host.key" } } });
    expect((fromHex.hostFor("x", "native") as NativeHost).publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dataDir, "keys", "host.key")).isFile()).toBe(true);
    expect(fromFile.hostFor("x", "native")).toBeInstanceOf(NativeHost);
  });

  it("refuses an unknown backend type and one without an implementation", () => {
    const unknown = refusal({ backends: { nativ: {} } });
    expect(unknown.code).toBe("HOST_UNKNOWN_BACKEND");
    expect(unknown.message).toBe(
      'backends.nativ.type: unknown backend type "nativ" (implemented: native, remote)',
    );
    const later = refusal({ backends: { native: { workers: 1 }, fast: { type: "sp1" } } });
    expect(later.code).toBe("HOST_NOT_IMPLEMENTED");
    expect(later.message).toMatch(
      /^backends.fast.type: "sp1" has no host implementation here \(implemented: native, remote\)/,
    );
  });

  it("refuses bad shapes and options, naming where they are", () => {
    const key = "ab".repeat(32);
    const cases: [unknown, RegExp][] = [
      [{}, /^backends must be an object/],
      [{ backends: {} }, /configure at least one backend/],
      [{ backends: { native: 2 } }, /^backends.native must be an object/],
      [{ backends: { native: { workers: 1, threads: 2 } } }, /^backends.native: unknown option\(s\) threads/],
      [{ backends: { native: { workers: "2" } } }, /^backends.native: workers must be a number/],
      [{ backends: { native: { workers: 0 } } }, /^backends.native: native host workers must be an integer/],
      [
        { backends: { native: { workers: 1, maxGuestHeapMb: "64" } } },
        /^backends.native: maxGuestHeapMb must be a number of MiB/,
      ],
      [
        { backends: { native: { workers: 1, maxGuestHeapMb: 0 } } },
        /^backends.native: native host maxGuestHeapMb must be a positive integer/,
      ],
      [
        { backends: { native: { workers: 1, idleScheduling: "no" } } },
        /^backends.native: idleScheduling must be true or false/,
      ],
      [
        { backends: { net: { type: "remote", publicKey: key } } },
        /^backends.net: url: the proving server's http\(s\) URL is required/,
      ],
      [
        { backends: { net: { type: "remote", url: "http://127.0.0.1:1/" } } },
        /^backends.net: publicKey: the 64-hex-digit key/,
      ],
      [
        { backends: { net: { type: "remote", url: "http://x/", publicKey: key, colour: 1 } } },
        /^backends.net: unknown option\(s\) colour/,
      ],
      [
        { backends: { net: { type: "remote", url: "http://x/", publicKey: key, concurrency: 0 } } },
        /^backends.net: concurrency must be a positive integer/,
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

  it("trusts every backend's key for inner receipts, and reports each backend's key", () => {
    const remoteKey = "cd".repeat(32);
    const resolver = resolve({
      backends: {
        native: { workers: 1 },
        net: { type: "remote", url: "http://127.0.0.1:1/", publicKey: remoteKey },
      },
    });
    expect(resolver.publicKeys().net).toBe(remoteKey);
    expect(resolver.backends()).toEqual([
      { backend: "native", concurrency: 1 },
      { backend: "net", concurrency: 4 },
    ]);
  });

  it("uses extra backend types, and checks every backend before it builds any host", async () => {
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
    const factory = (name: string) => ({ publicKey: () => "ef".repeat(32), create: () => fake(name) });
    const resolver = resolve(
      { backends: { lab: { type: "lab" } } },
      { dataDir, factories: { lab: factory("lab") } },
    );
    expect(resolver.backends()).toEqual([{ backend: "lab", concurrency: 4 }]);
    await resolver.close();
    expect(closed).toEqual(["lab"]);
    const failing = refusal(
      { backends: { lab: { type: "lab" }, native: { workers: 1, privateKey: "bad" } } },
      { dataDir, factories: { lab: factory("lab-2") } },
    );
    expect(failing.message).toMatch(/^backends.native: native host privateKey: a host key is 64 hex digits/);
    expect(closed).toEqual(["lab"]); // lab-2 was never built
  });
});
