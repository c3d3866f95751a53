/**
 * The prover client as a library: build the app against a devnet, prove checkpoint 0 over its
 * JSON-RPC API, and read the CL's verdict.
 *
 *   npx nx run prover-client:examples
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcClient } from "@paas/jsonrpc";
import pino from "pino";
import { startTrustingDevnet } from "../scenarios/devnet.js";
import { buildProverApp } from "../src/app/build-app.js";
import { loadConfig } from "../src/config/load-config.js";

const datadir = mkdtempSync(path.join(tmpdir(), "paas-example-"));
const devnet = await startTrustingDevnet(datadir);
await devnet.chain.produceEpochs(1);
const app = await buildProverApp(
  loadConfig({
    overrides: [
      `datadir="${datadir}"`,
      `nodes.cl_url="${devnet.url}"`,
      `nodes.el_url="${devnet.url}"`,
      "rpc.port=0",
      "plugin_settings.checkpoint.runner=false",
      "progress.enabled=false",
    ],
  }),
  pino({ level: "warn" }),
);
try {
  // Asking for a proof changes state: it needs the token the app made at start (rpc-token in the datadir).
  const client = new JsonRpcClient({ url: app.rpcUrl!, bearerToken: app.rpcToken! });
  const { id } = await client.call<{ id: string }>("paas_proveCheckpoint", [0]);
  for (;;) {
    const task = await client.call<{ status: string }>("paas_getTaskStatus", [id]);
    if (["completed", "permanent_failure", "cancelled"].includes(task.status)) {
      console.log(`checkpoint 0: task ${id} ${task.status}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const status = devnet.chain.getCheckpointStatus(0);
  console.log(`the CL says checkpoint 0 is ${status.status}`);
  if (status.status !== "proven") process.exitCode = 1;
} finally {
  await app.close();
  await devnet.close();
  rmSync(datadir, { recursive: true, force: true });
}
