import type { FastifyInstance } from "fastify";
import { type ReadinessCheck, sharedReadiness } from "./readiness.js";

export interface ProbeRouteOptions {
  readonly metrics: () => Promise<{ readonly contentType: string; readonly body: string }>;
  readonly readiness: readonly ReadinessCheck[];
  /** How long `/ready` waits for each check. */
  readonly readinessTimeoutMs: number;
}

/**
 * What orchestrators and Prometheus ask: `/health` (the process answers), `/ready` (it can work:
 * the database and the nodes answer; 503 with the reasons otherwise) and `/metrics`.
 */
export function registerProbeRoutes(app: FastifyInstance, options: ProbeRouteOptions): void {
  app.get("/health", (_request, reply) => reply.type("text/plain; charset=utf-8").send("ok\n"));

  const checkReadiness = sharedReadiness(options.readiness, options.readinessTimeoutMs);
  app.get("/ready", async (_request, reply) => {
    const readiness = await checkReadiness();
    return reply
      .code(readiness.ready ? 200 : 503)
      .header("Cache-Control", "no-store")
      .send(readiness);
  });

  app.get("/metrics", async (_request, reply) => {
    const { contentType, body } = await options.metrics();
    return reply.type(contentType).send(body);
  });
}
