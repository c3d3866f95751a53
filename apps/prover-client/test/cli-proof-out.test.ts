/**
 * `paas proof --out`: the receipt goes to the file whole or not at all. A file that cannot take it
 * (a full disk, here a limit on the size of the files the command may write) keeps what it held.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ProofReceipt } from "@paas/core";
import { encodeReceipt, receiptToJson } from "@paas/zkvm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, childEnv } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const BIN = path.join(import.meta.dirname, "../bin/paas.mjs");
const TASK = "0123456789abcdef0123456789abcdef";

function receipt(publicValuesBytes: number): ProofReceipt {
  return {
    proof: new Uint8Array(64).fill(1),
    publicValues: new Uint8Array(publicValuesBytes).fill(2),
    metadata: {
      zkvm: "native",
      programId: new Uint8Array(32).fill(3),
      version: "3",
      proofType: "compressed",
    },
  };
}

/** The receipt the server answers: 200 KiB, more than the command may write below. */
const LARGE = receipt(200 * 1024);

let server: Awaited<ReturnType<typeof stubProverRpc>>;
let url: string;
let dir: string;

beforeAll(async () => {
  // A prover client answering `paas_getProof`, as it answers it.
  server = await stubProverRpc(() => ({ result: receiptToJson(LARGE) }));
  url = server.url;
  dir = mkdtempSync(path.join(tmpdir(), "paas-proof-out-"));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `paas proof <task> --out <file>`, its files limited to `limitBlocks` (`ulimit -f`) if given. */
function proofOut(file: string, limitBlocks?: number): Promise<{ stderr: string; code: number | null }> {
  const limit = limitBlocks === undefined ? "" : `ulimit -f ${limitBlocks} && `;
  const child = spawn(
    "sh",
    [
      "-c",
      `${limit}exec "$0" "$@"`,
      process.execPath,
      "--conditions=@paas/source",
      BIN,
      "proof",
      TASK,
      "--rpc",
      url,
      "--out",
      file,
    ],
    // tsx's cache is a file it writes too.
    { env: childEnv({ TSX_DISABLE_CACHE: "1" }), stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ stderr, code })));
}

it("keeps the file it was to replace when the receipt does not fit", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const file = path.join(dir, "proof.bin");
  const earlier = encodeReceipt(receipt(100));
  writeFileSync(file, earlier);
  // 50 or 100 KiB (`ulimit -f` counts 512 or 1024 bytes): the old receipt fits, the new one does not.
  expect(await proofOut(file, 100)).toEqual({ stderr: "error: EFBIG: file too large, write\n", code: 1 });
  expect(readFileSync(file)).toEqual(Buffer.from(earlier));
  expect(readdirSync(dir)).toEqual(["proof.bin"]);

  // With room, the file is replaced by the whole receipt.
  expect(await proofOut(file)).toEqual({ stderr: "", code: 0 });
  expect(readFileSync(file)).toEqual(Buffer.from(encodeReceipt(LARGE)));
  expect(readdirSync(dir)).toEqual(["proof.bin"]);
});

/** Whether this machine lets the test mount (root, with the capability): `mount <args>`. */
function mount(...args: string[]): boolean {
  try {
    execFileSync("mount", args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

it("writes a file mounted on its own (a container's single-file volume), which cannot be replaced", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async (context) => {
  const here = mkdtempSync(path.join(dir, "mount-"));
  const file = path.join(here, "mounted.bin");
  const host = path.join(here, "on-the-host.bin");
  writeFileSync(file, "");
  writeFileSync(host, "");
  if (!mount("--bind", host, file)) return context.skip("cannot bind-mount a file here");
  try {
    // Renaming onto a mount point is refused with EBUSY.
    expect(await proofOut(file)).toEqual({ stderr: "", code: 0 });
    expect(readFileSync(host)).toEqual(Buffer.from(encodeReceipt(LARGE)));
  } finally {
    execFileSync("umount", [file]);
  }
  expect(readdirSync(here).sort()).toEqual(["mounted.bin", "on-the-host.bin"]);
});

it("writes a file it may write in a directory it may not (a read-only root file system)", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async (context) => {
  const here = mkdtempSync(path.join(dir, "read-only-"));
  const [writable, view] = [path.join(here, "writable"), path.join(here, "view")];
  for (const d of [writable, view]) mkdirSync(d);
  const host = path.join(here, "on-the-host.bin");
  writeFileSync(path.join(writable, "proof.bin"), "");
  writeFileSync(host, "");
  const file = path.join(view, "proof.bin");
  if (!mount("--bind", writable, view)) return context.skip("cannot bind-mount here");
  try {
    // `view` takes no new file (EROFS); its proof.bin, mounted from elsewhere, can be written.
    if (!mount("-o", "remount,ro,bind", view) || !mount("--bind", host, file))
      return context.skip("cannot mount read-only here");
    try {
      expect(await proofOut(file)).toEqual({ stderr: "", code: 0 });
      expect(readFileSync(host)).toEqual(Buffer.from(encodeReceipt(LARGE)));
    } finally {
      execFileSync("umount", [file]);
    }
  } finally {
    execFileSync("umount", [view]);
  }
});
