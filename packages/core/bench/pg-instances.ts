import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";

const SCRIPT = path.join(import.meta.dirname, "pg-instance.ts");

/** Proving instances, each a process of its own, on one PostgreSQL schema. */
export class PgInstances {
  private constructor(private readonly children: readonly ChildProcess[]) {}

  /** Starts `count` instances and resolves once every one is ready to claim. */
  static async start(url: string, schema: string, count: number, concurrency: number): Promise<PgInstances> {
    const children = Array.from({ length: count }, (_, i) =>
      spawn(
        process.execPath,
        [
          "--conditions=@paas/source",
          "--import",
          "tsx",
          SCRIPT,
          url,
          schema,
          `bench-instance-${i + 1}`,
          String(concurrency),
        ],
        { cwd: path.dirname(import.meta.dirname), stdio: ["pipe", "pipe", "inherit"] },
      ),
    );
    const instances = new PgInstances(children);
    try {
      await Promise.all(children.map(ready));
    } catch (error) {
      await instances.stop();
      throw error;
    }
    return instances;
  }

  /** Closes every instance gracefully (each releases its leases) and waits for it to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, "exit");
        child.stdin?.end();
        await exited;
      }),
    );
  }
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line === "ready") resolve();
    });
    child.on("exit", (code) =>
      reject(new Error(`a benchmark instance exited with code ${code} before it was ready`)),
    );
  });
}
