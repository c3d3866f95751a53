import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { createJsonRpcServer, type JsonRpcServer, type JsonRpcServerOptions } from "../src/index.js";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

/** A real JSON-RPC server on 127.0.0.1 with a random port, closed after the test. */
export async function startServer(
  options: JsonRpcServerOptions,
): Promise<{ server: JsonRpcServer; url: string }> {
  const server = createJsonRpcServer(options);
  await server.listen();
  cleanups.push(() => server.close());
  return { server, url: server.url };
}

/** A bare HTTP server that answers however the test wants, for answers a real JSON-RPC server never gives. */
export async function startRawServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handle);
  await listen(server);
  cleanups.push(() => closeServer(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A URL nobody listens on: bind a port, then free it. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}/`;
}

/** POSTs a raw body and returns status, headers and text, bypassing the client. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { method: "POST", body, headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export async function rpc(url: string, payload: unknown, headers?: Record<string, string>): Promise<unknown> {
  const { text } = await post(url, JSON.stringify(payload), {
    "content-type": "application/json",
    ...headers,
  });
  return text === "" ? undefined : JSON.parse(text);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
