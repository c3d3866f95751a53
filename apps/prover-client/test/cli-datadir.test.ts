/**
 * A `--datadir` that cannot be a directory (a file is there, or above it) is refused naming the
 * setting, before anything starts: the start said "EEXIST: file already exists, mkdir …", which
 * names neither the setting nor what is wrong with the path. So is one it may not write in.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runPaas } from "../scenarios/app.js";

const dir = mkdtempSync(path.join(tmpdir(), "paas-datadir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("refuses a data directory that is a file, or under one, by the datadir setting", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const file = path.join(dir, "not-a-directory");
  writeFileSync(file, "");
  const start = (datadir: string) => runPaas(["start", "--datadir", datadir, "--port", "0", "--no-progress"]);
  const [atFile, underFile] = await Promise.all([start(file), start(path.join(file, "data"))]);
  for (const [result, datadir] of [
    [atFile, file],
    [underFile, path.join(file, "data")],
  ] as const) {
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error (INVALID_CONFIG): datadir: ${datadir} cannot be the data directory: a file is in the way`,
    );
  }
});

it("refuses a data directory this process may not write in, by the datadir setting", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // A host directory mounted into the image, which runs as `node`, is often root's: the start got
  // as far as the host key and told the operator to create that key, not that the directory was
  // the matter. No one may write in /proc/self, root included (tests run as root, whom a mode
  // does not stop).
  const result = await runPaas(["start", "--datadir", "/proc/self", "--port", "0", "--no-progress"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(
    /^error \(INVALID_CONFIG\): datadir: \/proc\/self cannot be the data directory: this process \(uid \d+\) may not write in it \(E[A-Z]+\)/m,
  );
  expect(result.stderr).not.toContain("host key");
});
