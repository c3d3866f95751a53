/**
 * A job's input is validated as base64 in linear time and no memory of its own: the server holds
 * several uploads of tens of MB at once, each on the thread that answers every client.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const PEAK_SCRIPT = path.join(import.meta.dirname, "fixtures/start-job-parse-peak.ts");
const ROOT_TSCONFIG = path.join(import.meta.dirname, "../../../tsconfig.json");

it("validates a 60 MiB input without raising the process's peak memory", { timeout: 60_000 }, () => {
  const grown = Number(
    execFileSync(process.execPath, ["--import", "tsx", PEAK_SCRIPT], {
      env: { ...process.env, TSX_TSCONFIG_PATH: ROOT_TSCONFIG },
      encoding: "utf8",
    }).trim(),
  );
  // The input is 80 MiB of base64; zod's z.base64() took ~130 MB more to check it.
  expect(grown).toBeLessThan(16 * 1024 * 1024);
});
