import { capConnections } from "@paas/core";
import { type ErrorListener, INTERNAL_ERROR, type MethodRegistry } from "@paas/jsonrpc";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { answerClientError } from "./client-error.js";
import { refuseCrossSiteRequests } from "./cross-site-guard.js";
import { registerDashboard } from "./dashboard-route.js";
import type { EventStream } from "./event-stream.js";
import { registerEventsRoute } from "./events-route.js";
import { refuseForeignHosts } from "./host-guard.js";
import { registerJsonRpcRoute } from "./json-rpc-route.js";
import { type ProbeRouteOptions, registerProbeRoutes } from "./probe-routes.js";
import { refuse } from "./refusal.js";
import { cutSlowReaders } from "./slow-reader.js";
import { dropUnreadBodies, dropUnreadBody } from "./unread-body.js";

export interface HttpAppOptions extends ProbeRouteOptions {
  readonly methods: MethodRegistry;
  readonly bearerToken?: string;
  /** Request bodies over this are refused with 413. */
  readonly maxBodyBytes: number;
  readonly maxBatchSize?: number;
  /** Every error answered, JSON-RPC calls' and the server's own (for the log). */
  readonly onError?: ErrorListener;
  readonly events: EventStream;
  /** The dashboard's built files (default: apps/prover-client/dashboard/dist). */
  readonly dashboardDir?: string;
  /** How long `close()` lets in-flight calls finish before aborting them and cutting connections. */
  readonly closeGraceMs?: number;
  /** Which `Host` headers are answered (core's `hostCheck`); default: all. */
  readonly acceptsHost?: (hostHeader: string | undefined) => boolean;
  /** How long a client may take to read a whole answer before its connection is cut (default 60 s). */
  readonly answerTimeoutMs?: number;
  /** Sockets kept open at once; past it the one idle the longest is closed (default 1024, core's `capConnections`). */
  readonly maxConnections?: number;
}

/** How long a client may take to send a whole request: a slow sender cannot hold a connection. */
const REQUEST_TIMEOUT_MS = 60_000;
/** How long a client may take to read a whole answer: a slow reader cannot hold its memory. */
const ANSWER_TIMEOUT_MS = 60_000;
/**
 * Uncapped, sockets opened and left silent, which takes no token, used every file the process may
 * open (20,000 of them): nothing was answered, the dashboard and `/ready` included, until Node's
 * header timeout closed them, and again as soon as they were opened anew.
 */
const MAX_CONNECTIONS = 1024;

/**
 * The prover client's HTTP server, unstarted (the Fastify way: `listen()` in production,
 * `inject()` or `listen({ port: 0 })` in tests): JSON-RPC at `POST /`, the dashboard at `GET /`,
 * its live events at `/events`, and `/health`, `/ready`, `/metrics`. No answer ever carries a
 * stack trace: anything unexpected is logged through `onError` and answered "internal error".
 */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Idle kept-alive connections are closed at once on close; busy ones get the grace period.
    forceCloseConnections: "idle",
    clientErrorHandler: answerClientError,
    // A URL fastify cannot route (`/%ff`) is refused before any hook runs: its body is dropped here.
    frameworkErrors(error, request, reply) {
      void dropUnreadBody(request, reply, options.maxBodyBytes, { routed: false }).then(
        (read) => read && refuse(reply, 400, error.message),
        () => reply.raw.destroy(),
      );
    },
  });
  capConnections(app.server, options.maxConnections ?? MAX_CONNECTIONS);
  const shutdown = new AbortController();
  let closing = false;
  let cutoff: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    closing = true;
    options.events.close();
    cutoff = setTimeout(() => {
      shutdown.abort();
      app.server.closeAllConnections();
    }, options.closeGraceMs ?? 1_000);
    cutoff.unref();
    done();
  });
  app.addHook("onClose", (_instance, done) => {
    clearTimeout(cutoff);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      // The rest of the body is never read, so the connection cannot carry another request.
      reply.header("Connection", "close");
      return refuse(reply, 413, `request body exceeds ${options.maxBodyBytes} bytes`);
    }
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      const mediaType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      return refuse(reply, 415, `content-type must be application/json, got "${mediaType || "none"}"`);
    }
    // Fastify's own 4xx (a body that does not match its length, a bad URL) say only what the request did wrong.
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return refuse(reply, error.statusCode, error.message);
    }
    try {
      options.onError?.(error, { sent: INTERNAL_ERROR });
    } catch {
      // Logging must not take the answer down.
    }
    return refuse(reply, 500, INTERNAL_ERROR.message, INTERNAL_ERROR.code);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0]!;
    return refuse(reply, 404, `nothing is served at ${path.slice(0, 100)}`);
  });

  if (options.acceptsHost) refuseForeignHosts(app, options.acceptsHost);
  refuseCrossSiteRequests(app);
  cutSlowReaders(app, options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS);
  dropUnreadBodies(app, options.maxBodyBytes);
  registerJsonRpcRoute(app, {
    methods: options.methods,
    ...(options.bearerToken !== undefined && { bearerToken: options.bearerToken }),
    ...(options.maxBatchSize !== undefined && { maxBatchSize: options.maxBatchSize }),
    ...(options.onError !== undefined && { onError: options.onError }),
    shutdown: shutdown.signal,
    closing: () => closing,
  });
  registerProbeRoutes(app, options);
  registerEventsRoute(app, options.events);
  await registerDashboard(app, options.dashboardDir);
  return app;
}
