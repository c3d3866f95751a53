/**
 * What `startProverServer` refuses, and how it finds its programs: every mistake fails at start
 * with a message naming it, and leaves nothing open behind.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { InvalidConfigError } from "@paas/core";
import { HttpRemoteProver } from "@paas/zkvm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SERVER_KEY_FILE, startProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { call, startJobBody, startTestServer, type TempDir, TOKEN, tempDir, waitForJob } from "./helpers.js";

const PLUGIN_MODULE = pathToFileURL(`${import.meta.dirname}/fixtures/test-plugin.ts`).href;

let data: TempDir;

beforeEach(() => {
  data = tempDir();
});

afterEach(() => data.remove());

it.each([
  [
    { host: "0.0.0.0" },
    "prover server: 0.0.0.0 is reachable beyond this machine: set a token, or listen on loopback (127.0.0.1)",
  ],
  [{ token: "short" }, "prover server: the token must be at least 16 characters"],
  [
    { token: "with a space in the middle" },
    "prover server: the token must be printable ASCII without spaces (it travels in an HTTP header)",
  ],
  [{ workers: 0 }, "prover server: workers must be an integer from 1 to 256, got 0"],
  [{ port: 70_000 }, "prover server: port must be an integer from 0 to 65535, got 70000"],
  [{ maxInputBytes: 0 }, "prover server: maxInputBytes must be a positive integer, got 0"],
  [
    { maxInputBytes: 4_096, maxQueuedInputBytes: 4_095 },
    "prover server: maxQueuedInputBytes must be an integer of at least maxInputBytes (4096), got 4095",
  ],
  [{ programs: [] }, "prover server: no programs to prove"],
  [
    { programs: ["@paas/no-such-plugin"] },
    'prover server: cannot load plugin package "@paas/no-such-plugin"',
  ],
  [{ programs: ["@paas/zkvm"] }, 'prover server: package "@paas/zkvm" exports no @ProofPlugin class'],
])("refuses %o", async (options, message) => {
  const start = startProverServer({ datadir: data.dir, programs: [sumProgram], ...options });
  await expect(start).rejects.toThrow(InvalidConfigError);
  await expect(start).rejects.toThrow(message);
});

it("listens beyond loopback when it has a token", async () => {
  const server = await startProverServer({
    datadir: data.dir,
    host: "0.0.0.0",
    token: TOKEN,
    programs: [sumProgram],
  });
  try {
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(
      (await call(server.url.replace("0.0.0.0", "127.0.0.1"), "GET", "v1/info", { token: null })).status,
    ).toBe(401);
  } finally {
    await server.close();
  }
});

it("loads programs from plugin packages by name and proves them", async () => {
  const server = await startTestServer(data.dir, { programs: [PLUGIN_MODULE] });
  try {
    const info = await new HttpRemoteProver({ url: server.url, token: TOKEN }).info();
    expect(info.programs).toEqual([
      { name: sumProgram.name, version: "1", programId: sumProgram.programIdHex },
    ]);
    const created = await call(server.url, "POST", "v1/jobs", {
      body: startJobBody(sumProgram, [1, 1], "from-plugin"),
    });
    expect(await waitForJob(server.url, created.json.jobId as string, ["succeeded"])).toMatchObject({
      attempts: 1,
    });
  } finally {
    await server.close();
  }
});

it("refuses a port in use, and leaves the data directory free", async () => {
  const server = await startTestServer(data.dir);
  const other = tempDir();
  try {
    const port = Number(new URL(server.url).port);
    await expect(startTestServer(other.dir, { port })).rejects.toThrow(
      `prover server: cannot listen on 127.0.0.1:${port} (EADDRINUSE): the port is taken, choose another`,
    );
    // The failed start closed its job table: another start on that directory succeeds.
    await (await startTestServer(other.dir)).close();
  } finally {
    await server.close();
    other.remove();
  }
});

it("refuses a key file others can read", async () => {
  const keyFile = data.file(SERVER_KEY_FILE);
  writeFileSync(keyFile, `${"11".repeat(32)}\n`);
  chmodSync(keyFile, 0o644);
  await expect(startTestServer(data.dir)).rejects.toThrow(
    `prover server: host key file ${keyFile} has mode 0644; it must be readable by its owner only (chmod 600 ${keyFile})`,
  );
  chmodSync(keyFile, 0o600);
  const server = await startTestServer(data.dir);
  // Receipts are signed with the key in the file: 0x11…11's x-only public key.
  expect(server.publicKey).toBe("4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa");
  await server.close();
});
