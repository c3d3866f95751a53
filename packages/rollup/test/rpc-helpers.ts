import { createJsonRpcServer, type JsonRpcServerOptions } from "@paas/jsonrpc";
import { afterEach } from "vitest";

const servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A real @paas/jsonrpc server on loopback, closed after the test; resolves with its URL. */
export async function serve(options: JsonRpcServerOptions): Promise<string> {
  const server = createJsonRpcServer({ closeGraceMs: 0, ...options });
  await server.listen();
  servers.push(server);
  return server.url;
}

/** A URL where nothing listens. */
export async function deadUrl(): Promise<string> {
  const server = createJsonRpcServer({ methods: {} });
  await server.listen();
  const { url } = server;
  await server.close();
  return url;
}

/** The thrown error of a promise that must fail. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw error;
  }
  throw new Error("the call succeeded");
}
