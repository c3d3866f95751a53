import { createServer } from "node:net";
import { InvalidConfigError } from "@paas/core";

/** A listen address taken ahead of the server that will answer on it. */
export interface HeldPort {
  /** Lets the port go, for the server to listen on it at once. */
  release(): Promise<void>;
}

/**
 * Takes `host:port` now, so that a port in use is found before the prover service starts proving,
 * not after: the HTTP server can listen only once the service it serves is launched. Port 0 (any
 * free port) cannot be in use and is not held.
 */
export async function holdPort(host: string, port: number): Promise<HeldPort> {
  if (port === 0) return { release: async () => {} };
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    throw cannotListen(host, port, error);
  }
  return { release: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The refusal of a listen address, the same whether the hold or the server found it. */
export function cannotListen(host: string, port: number, error: unknown): InvalidConfigError {
  return new InvalidConfigError(
    `rpc: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
  );
}
