import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build:dashboard -w @paas/prover-client` writes the dashboard. */
export const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));
export const DASHBOARD_BUILD_COMMAND = "npm run build:dashboard -w @paas/prover-client";

/**
 * What the dashboard's page may load and run: its own bundle and stylesheet, requests to its own
 * server (JSON-RPC, the event stream), nothing inline and nothing from elsewhere. The page shows
 * text that nodes, plugins and remote provers wrote (task errors, contexts): Preact escapes it, and
 * should a way around that ever appear, a script it smuggled in still would not run. No other
 * page may frame it (clickjacking: it has buttons that change state).
 */
export const DASHBOARD_CONTENT_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Whether the dashboard's files are there to serve. */
export function isDashboardBuilt(root = DASHBOARD_DIST): boolean {
  return existsSync(path.join(root, "index.html"));
}

/**
 * The dashboard's static files at `/`. Its bundles have content hashes in their names, so they are
 * cached for good; `index.html` names the current ones and is revalidated every time. Without a
 * build, `/` says so and how to make one, rather than a bare 404.
 */
export async function registerDashboard(app: FastifyInstance, root = DASHBOARD_DIST): Promise<void> {
  if (!isDashboardBuilt(root)) {
    app.get("/", (_request, reply) =>
      reply.code(404).send({
        error: "the dashboard is not built",
        // Not where it was looked for: a page anyone on the network may load gets no file paths.
        build: `run \`${DASHBOARD_BUILD_COMMAND}\` and restart the prover client`,
      }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    index: "index.html",
    // One route per file found at start: unknown paths fall through to the 404 handler.
    wildcard: false,
    cacheControl: false,
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      res.setHeader("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
      // X-Frame-Options for browsers that predate frame-ancestors.
      res.setHeader("X-Frame-Options", "DENY");
      res.setHeader("Content-Security-Policy", DASHBOARD_CONTENT_POLICY);
      res.setHeader("X-Content-Type-Options", "nosniff");
    },
  });
}
