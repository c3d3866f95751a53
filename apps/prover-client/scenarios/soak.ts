/**
 * `npm run soak`: the long forms of the fault-injection and crash tests, with numbers printed.
 *
 *   npm run soak                          # 5 minutes of faults at 30%, then 20 kill -9 rounds
 *   npm run soak -- --minutes 15 --rate 0.4 --kill-rounds 50 --checkpoints 20
 *
 * Exits 1 when a check fails: a checkpoint not accepted, or accepted twice; a task failed
 * permanently; a receipt stored twice; a database that fails its integrity check.
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { runFaultyNetwork } from "./faulty-network.js";
import { runKillLoop } from "./kill-loop.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    rate: { type: "string", default: "0.3" },
    "kill-rounds": { type: "string", default: "20" },
    checkpoints: { type: "string", default: "12" },
  },
});
const log = (line: string) => console.log(`  ${line}`);
const problems: string[] = [];

console.log(`faulty network: ${values.minutes} min at ${Number(values.rate) * 100}% faults, then catch up`);
const network = await runFaultyNetwork({
  faultMs: Number(values.minutes) * 60_000,
  rate: Number(values.rate),
  catchUpMs: 300_000,
  log,
});
console.log(
  `  ${network.acceptedDuringFaults} checkpoints accepted during the faults; ${network.checkpoints} in all, caught up ${network.caughtUp} ${(network.catchUpMs / 1_000).toFixed(1)} s after they stopped`,
);
console.log(`  proxy: ${JSON.stringify(network.proxy)}`);
if (!network.caughtUp) problems.push("the prover did not catch up after the faults stopped");
for (const [index, times] of network.accepted)
  if (times !== 1) problems.push(`checkpoint ${index} published ${times} times`);
problems.push(...network.permanentFailures.map((f) => `permanent failure: ${f}`));

console.log(`\nkill -9 loop: ${values["kill-rounds"]} rounds over ${values.checkpoints} checkpoints`);
const kills = await runKillLoop({
  rounds: Number(values["kill-rounds"]),
  checkpoints: Number(values.checkpoints),
  maxRunMs: 5_000,
  log,
});
console.log(
  `  ${kills.killsMidProof} kills mid-proof; ${kills.tasks} tasks, ${kills.completedTasks} completed, ${kills.receipts} receipts (${kills.distinctReceipts} distinct); integrity ${kills.integrity}`,
);
for (let i = 0; i < kills.checkpoints; i++) {
  if (kills.accepted.get(i) !== 1)
    problems.push(`checkpoint ${i} published ${kills.accepted.get(i) ?? 0} times`);
}
if (kills.receipts !== kills.distinctReceipts) problems.push("a receipt was stored twice");
if (kills.completedTasks !== kills.tasks) problems.push("not every task completed");
if (kills.integrity !== "ok") problems.push(`integrity check: ${kills.integrity}`);

console.log(
  problems.length === 0
    ? "\nsoak: every check passed"
    : `\nsoak: ${problems.length} problems\n  ${problems.join("\n  ")}`,
);
process.exit(problems.length === 0 ? 0 : 1);
