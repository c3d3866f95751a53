/**
 * The host resolver: one host per backend, built from config at startup. A backend of its own gives
 * a proof type its own capacity. The key file is created (mode 0600) in the data directory on
 * first start.
 * Run: npx tsx --conditions=@paas/source examples/host-resolver.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHostResolver, HostConfigError } from "@paas/zkvm";
import { merkleRootProgram } from "./programs/merkle-root.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "zkvm-example-"));
const resolver = createHostResolver(
  {
    // Checkpoints get a backend of their own (mapped in the app's `[kinds.checkpoint] backend`),
    // so they never queue behind other proofs.
    backends: { native: { workers: 2 }, checkpoints: { type: "native", workers: 1 } },
  },
  { dataDir },
);
try {
  console.log("backends:", resolver.backends());
  const host = resolver.hostFor("checkpoint", "checkpoints");
  if (!host) throw new Error("no native host for checkpoints");
  const receipt = await host.prove(merkleRootProgram, [new Uint8Array([1])], {
    signal: new AbortController().signal,
  });
  console.log(`checkpoint host proved ${receipt.publicValues.length} bytes of public values`);

  try {
    createHostResolver({ backends: { sp1: { type: "sp1" } } }, { dataDir });
    throw new Error("a backend with no host implementation was accepted");
  } catch (error) {
    if (!(error instanceof HostConfigError)) throw error;
    console.log(`refused at startup (${error.code}): ${error.message}`);
  }
} finally {
  await resolver.close();
  rmSync(dataDir, { recursive: true, force: true });
}
