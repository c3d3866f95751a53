/**
 * Crash safety: the prover client, as a child process, is killed with SIGKILL at random moments
 * (mid-proof among them) and started again on the same data directory. The short form of the kill
 * loop in `npm run soak`.
 */
import { expect, it } from "vitest";
import { runKillLoop } from "../../scenarios/kill-loop.js";

const CHECKPOINTS = 6;

it("loses nothing and accepts nothing twice through rounds of SIGKILL at random moments", {
  timeout: 300_000,
}, async () => {
  const result = await runKillLoop({ rounds: 3, checkpoints: CHECKPOINTS, maxRunMs: 3_000 });
  expect(result.killsMidProof).toBeGreaterThanOrEqual(1);
  for (let i = 0; i < CHECKPOINTS; i++)
    expect({ index: i, times: result.accepted.get(i) }).toEqual({ index: i, times: 1 });
  expect(result.integrity).toBe("ok");
  expect(result.receipts).toBe(result.distinctReceipts);
  expect(result.receipts).toBe(result.completedTasks);
  expect(result.tasks).toBe(3 * CHECKPOINTS);
  expect(result.completedTasks).toBe(result.tasks);
});
