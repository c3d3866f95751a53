import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { EventStream } from "../../src/http/event-stream.js";
import { buildHttpApp, type HttpAppOptions } from "../../src/http/http-app.js";

/**
 * The prover client's HTTP app alone on loopback, no service behind it: what a browser test needs
 * when a page's behaviour, not a prover's, is the point. `options` over defaults that answer no
 * method, an empty /metrics and a ready /ready.
 */
export async function httpAppAlone(
  options: Partial<HttpAppOptions> = {},
): Promise<{ server: FastifyInstance; origin: string; port: number }> {
  const server = await buildHttpApp({
    methods: {},
    maxBodyBytes: 1 << 20,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
    readiness: [],
    readinessTimeoutMs: 1_000,
    events: new EventStream(),
    ...options,
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const { port } = server.server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, port };
}
