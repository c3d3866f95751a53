/**
 * A flag whose help states its range is refused by that range, naming the flag, before anything is
 * called or started: `--limit 1001` reached the server, which named `params[0].limit`, and a
 * refused number's message said "an integer of at least …", which it was.
 */
import { expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runPaas } from "../scenarios/app.js";

// Nothing listens there: a command that got as far as calling would say "unreachable".
const NO_SERVER = ["--rpc", "http://127.0.0.1:9"];

it("refuses a page over 1000 tasks and a port over 65535 by the flag's stated range", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const [list, server] = await Promise.all([
    runPaas(["list", "--limit", "1001", ...NO_SERVER]),
    runPaas(["prover-server", "--port", "abc"]),
  ]);
  expect(list.code).toBe(1);
  expect(list.stderr).toContain('--limit must be an integer from 1 to 1000, got "1001"');
  expect(server.code).toBe(1);
  expect(server.stderr).toContain('--port must be an integer from 0 to 65535, got "abc"');
});
