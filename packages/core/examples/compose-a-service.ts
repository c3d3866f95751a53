/**
 * Compose a prover service from a plugin and a host, submit a task with a dependency, and watch
 * it move through its lifecycle. The host here hashes its input in-process to keep the example
 * self-contained; real hosts (the native host with signed receipts) come from @paas/zkvm.
 *
 *   npx tsx --conditions=@paas/source packages/core/examples/compose-a-service.ts
 */
import { createHash } from "node:crypto";
import {
  type DependencyReceipt,
  InvalidContextError,
  type ProgramDescriptor,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProofReceipt,
  ProverServiceBuilder,
  type ZkVmHost,
} from "@paas/core";

interface BlockContext extends ProofContext {
  readonly kind: "block";
  readonly height: number;
}

@ProofPlugin({ kind: "block", program: { name: "block", version: "1" } })
export class BlockPlugin implements ProofPluginHandler<BlockContext, string> {
  parseContext(raw: ProofContext): BlockContext {
    if (!Number.isSafeInteger(raw.height) || (raw.height as number) < 0) {
      throw new InvalidContextError("height must be a non-negative integer");
    }
    return { kind: "block", height: raw.height as number };
  }

  /** Each block is proven after its parent. */
  dependencies(context: BlockContext): ProofContext[] {
    return context.height === 0 ? [] : [{ kind: "block", height: context.height - 1 }];
  }

  async fetchInput(context: BlockContext, deps: readonly DependencyReceipt[]): Promise<string> {
    const parent = deps[0] ? Buffer.from(deps[0].receipt.publicValues).toString("hex") : "genesis";
    return `${parent}:${context.height}`;
  }
}

const hashingHost: ZkVmHost = {
  backend: "native",
  zkvm: "native",
  concurrency: 2,
  async prove(program: ProgramDescriptor, input: unknown): Promise<ProofReceipt> {
    const publicValues = createHash("sha256").update(String(input)).digest();
    return {
      proof: new Uint8Array(),
      publicValues,
      metadata: {
        zkvm: "native",
        programId: new Uint8Array(32),
        version: program.version,
        proofType: "core",
      },
    };
  },
  async close() {},
};

const service = await new ProverServiceBuilder({ database: { path: ":memory:" } })
  .host(hashingHost)
  .register("block")
  .onTransition((t) => console.log(`${t.kind} ${JSON.stringify(t.context)}: ${t.from ?? "new"} -> ${t.to}`))
  .launch();

const { task } = await service.submit({ kind: "block", height: 2 }, "native");
const done = await service.wait(task.id, { timeoutMs: 10_000 });
const receipt = await service.proof(task.id);
console.log(`block 2 is ${done.status}; public values ${Buffer.from(receipt.publicValues).toString("hex")}`);
console.log((await service.summary()).byStatus);
await service.close();
if (done.status !== "completed") process.exit(1);
