/**
 * The harness outside a test runner: stand up the square plugin against a stub node, prove one
 * task, survive a node outage, and print what happened.
 *
 *   npx tsx --conditions=@paas/source packages/testing/examples/prove-square.ts
 */
import { createPluginHarness, createStubRpc } from "@paas/testing";
import { NumberNode, SquarePlugin } from "./square-plugin/plugin.js";

const node = await createStubRpc({ num_get: (params) => (params as number[])[0]! * 2 });
const harness = await createPluginHarness({
  plugins: [SquarePlugin],
  overrides: [{ token: NumberNode, useValue: new NumberNode({ url: node.url, timeoutMs: 1_000 }) }],
});
try {
  node.failNext({ mode: "http500" });
  const context = { kind: "square", n: 21 };
  const { record, output, receipt } = await harness.prove(context);
  console.log(`status: ${record.status}`);
  console.log(`path:   ${harness.statusesOf(context).join(" -> ")}`);
  console.log(`output: ${JSON.stringify(output)}`);
  console.log(
    `proof:  ${Buffer.from(receipt!.proof).toString("hex").slice(0, 32)}… (BIP340 by ${Buffer.from(harness.publicKey).toString("hex").slice(0, 16)}…)`,
  );
  if (record.status !== "completed") process.exitCode = 1;
} finally {
  await harness.close();
  await node.close();
}
