/**
 * Start a proving server, prove a program through the remote-prover contract's HTTP client, and
 * verify the receipt against the key the server announced, as a prover client's `remote` backend
 * does. Run: npx tsx --conditions=@paas/source examples/prove-remotely.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startProverServer } from "@paas/prover-server";
import { decodeReceipt, HttpRemoteProver, InputWriter, verifyReceipt } from "@paas/zkvm";
import { wordCountProgram } from "./programs/word-count.js";

const datadir = mkdtempSync(path.join(tmpdir(), "paas-prover-server-example-"));
const token = "example-token-not-for-production";
const server = await startProverServer({ datadir, token, workers: 1, programs: [wordCountProgram] });
console.log(`prover server listening on ${server.url}`);
console.log(`receipts are signed with ${server.publicKey}`);
try {
  const prover = new HttpRemoteProver({ url: server.url, token });
  const info = await prover.info();
  console.log(`it proves: ${info.programs.map((p) => `${p.name} v${p.version}`).join(", ")}`);

  // The client sends the guest input framed as the program writes it.
  const writer = new InputWriter();
  wordCountProgram.writeInput("a proving server proves what it is asked to prove", writer);
  const jobId = await prover.start({
    program: {
      name: wordCountProgram.name,
      version: wordCountProgram.version,
      programId: wordCountProgram.programIdHex,
    },
    input: writer.toBytes(),
    requestId: "example-1",
  });
  console.log(`started job ${jobId}`);

  let status = await prover.status(jobId);
  while (status.state === "queued" || status.state === "running") {
    await sleep(100);
    status = await prover.status(jobId);
  }
  if (status.state !== "succeeded") throw new Error(`job ${jobId} ended ${JSON.stringify(status)}`);

  // Trust the receipt only after checking it against the program and the server's key.
  const receipt = decodeReceipt(await prover.receipt(jobId));
  verifyReceipt(receipt, { ...wordCountProgram, publicKey: server.publicKey });
  console.log("receipt verified:", wordCountProgram.readOutput(receipt.publicValues));
} finally {
  await server.close();
  rmSync(datadir, { recursive: true, force: true });
}
