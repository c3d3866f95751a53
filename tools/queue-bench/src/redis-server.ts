import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Redis for BullMQ: the server at QUEUE_BENCH_REDIS_URL when given, else a `redis-server` of our
 * own on a free loopback port in a temporary directory, persisting as we ask of it (an append-only
 * file fsynced every second, no snapshots), stopped and deleted afterwards.
 */
export async function redisForBench(): Promise<RedisEndpoint> {
  const url = process.env.QUEUE_BENCH_REDIS_URL;
  if (url) {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: Number(parsed.port || 6379), stop: async () => {} };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "queue-bench-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
  const persistence = ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""];
  const server = spawn("redis-server", [...args, ...persistence], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await ready(server);
  } catch (error) {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: "127.0.0.1",
    port,
    async stop() {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ready(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    server.on("error", (error) => reject(new Error(`cannot start redis-server: ${error.message}`)));
    server.on("exit", (code) => reject(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
