/**
 * Fault injection: the prover against a live devnet through a proxy that answers ~30% of node
 * requests with a 500, an answer past the deadline, a truncated or malformed body, or a reset.
 * The short form of `npm run soak`.
 */
import { expect, it } from "vitest";
import { runFaultyNetwork } from "../../scenarios/faulty-network.js";

it("keeps proving through a faulty network: after the faults, every checkpoint accepted once, none failed", {
  timeout: 240_000,
}, async () => {
  const result = await runFaultyNetwork({ faultMs: 20_000, rate: 0.3, catchUpMs: 90_000 });
  expect(Object.values(result.proxy).reduce((a, b) => a + b, 0) - result.proxy.passed!).toBeGreaterThan(20);
  expect(result.caughtUp).toBe(true);
  for (const [index, times] of result.accepted) expect({ index, times }).toEqual({ index, times: 1 });
  expect(result.permanentFailures).toEqual([]);
});
