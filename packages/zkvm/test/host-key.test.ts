import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HostConfigError, loadOrCreateKeyFile, NativeHost, parseSecretKey } from "../src/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "zkvm-key-"));
const hosts: NativeHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HostConfigError);
    return (error as HostConfigError).code;
  }
  return undefined;
}

describe("host key file", () => {
  it("is created with mode 0600 on first start and reloaded after", () => {
    const file = path.join(dir, "fresh", "native-host.key");
    const first = new NativeHost({ workers: 1, keyFile: file });
    hosts.push(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    const second = new NativeHost({ workers: 1, keyFile: file });
    hosts.push(second);
    expect(second.publicKeyHex).toBe(first.publicKeyHex);
  });

  it("is refused when others may read it", () => {
    const file = path.join(dir, "open.key");
    writeFileSync(file, `${"01".repeat(32)}\n`, { mode: 0o600 });
    chmodSync(file, 0o644);
    expect(codeOf(() => loadOrCreateKeyFile(file))).toBe("HOST_KEY_PERMISSIONS");
    expect(() => loadOrCreateKeyFile(file)).toThrow(
      /has mode 0644; it must be readable by its owner only \(chmod 600/,
    );
  });

  it("is refused when its content is not a secret key", () => {
    for (const content of ["not hex\n", "01".repeat(31), "00".repeat(32), "ff".repeat(32)]) {
      const file = path.join(dir, "bad.key");
      rmSync(file, { force: true });
      writeFileSync(file, content, { mode: 0o600 });
      expect(codeOf(() => loadOrCreateKeyFile(file))).toBe("HOST_KEY_INVALID");
      expect(() => loadOrCreateKeyFile(file)).toThrow(`host key file ${file}: a host key is 64 hex digits`);
    }
  });

  it("is created with the key `createKey` makes, called only when the file does not exist", () => {
    const file = path.join(dir, "seeded", "sequencer.key");
    const key = new Uint8Array(32).fill(7);
    let calls = 0;
    const createKey = () => {
      calls++;
      return key;
    };
    const options = { createKey, label: "sequencer key" };
    expect(loadOrCreateKeyFile(file, options)).toEqual(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(file, options)).toEqual(key);
    expect(calls).toBe(1);
    chmodSync(file, 0o640);
    expect(() => loadOrCreateKeyFile(file, options)).toThrow(`sequencer key file ${file} has mode 0640`);
  });

  it("refuses to create a file from a key that is not a secret key", () => {
    const file = path.join(dir, "never.key");
    expect(codeOf(() => loadOrCreateKeyFile(file, { createKey: () => new Uint8Array(32) }))).toBe(
      "HOST_KEY_INVALID",
    );
    expect(() => statSync(file)).toThrow(/ENOENT/);
  });

  it("is refused, naming the file to create, when it is missing and cannot be created", () => {
    // procfs creates no file, even for root: as /etc under a systemd unit's ProtectSystem=strict.
    const file = "/proc/self/native-host.key";
    expect(codeOf(() => loadOrCreateKeyFile(file))).toBe("HOST_KEY_UNWRITABLE");
    expect(() => loadOrCreateKeyFile(file)).toThrow(`host key file ${file} does not exist`);
  });

  it("is refused when it is a directory", () => {
    expect(codeOf(() => loadOrCreateKeyFile(dir))).toBe("HOST_KEY_INVALID");
  });
});

describe("host key from options", () => {
  it("accepts 64 hex digits, with or without 0x, and refuses the rest", () => {
    expect(parseSecretKey(`0x${"01".repeat(32)}`, "test")).toEqual(new Uint8Array(32).fill(1));
    expect(codeOf(() => parseSecretKey("01", "test"))).toBe("HOST_KEY_INVALID");
    expect(codeOf(() => new NativeHost({ workers: 1, privateKey: "zz".repeat(32) }))).toBe(
      "HOST_KEY_INVALID",
    );
  });

  it("needs exactly one key source and a sane worker count", () => {
    expect(codeOf(() => new NativeHost({ workers: 1 }))).toBe("HOST_INVALID_CONFIG");
    const both = { workers: 1, privateKey: "01".repeat(32), keyFile: path.join(dir, "k") };
    expect(codeOf(() => new NativeHost(both))).toBe("HOST_INVALID_CONFIG");
    expect(codeOf(() => new NativeHost({ workers: 0, privateKey: "01".repeat(32) }))).toBe(
      "HOST_INVALID_CONFIG",
    );
    expect(codeOf(() => new NativeHost({ workers: 1.5, privateKey: "01".repeat(32) }))).toBe(
      "HOST_INVALID_CONFIG",
    );
  });
});
