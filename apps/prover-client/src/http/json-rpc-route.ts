import {
  DEFAULT_MAX_BATCH_SIZE,
  dispatchBody,
  type ErrorListener,
  endConnectionIfClosing,
  JSON_RPC_MEDIA_TYPES,
  type MethodRegistry,
  RequestSignal,
  requestScope,
  StreamedAnswer,
} from "@paas/jsonrpc";
import type { FastifyInstance } from "fastify";
import { refuse } from "./refusal.js";

export interface JsonRpcRouteOptions {
  readonly methods: MethodRegistry;
  /** When set, methods marked `mutates` need `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  readonly maxBatchSize?: number;
  readonly onError?: ErrorListener;
  /** Aborted by the server's close once in-flight calls have had their grace period. */
  readonly shutdown: AbortSignal;
  /** Whether the server is closing: answers then ask the client not to reuse the connection. */
  readonly closing: () => boolean;
}

/**
 * JSON-RPC at `POST /`. Fastify reads the body (capped by the server's `bodyLimit`) and refuses
 * other media types; parsing, batches, the token check and the error mapping stay @paas/jsonrpc's
 * (`dispatchBody`), so both servers give one answer to one request.
 */
export function registerJsonRpcRoute(app: FastifyInstance, options: JsonRpcRouteOptions): void {
  const token = options.bearerToken;
  const dispatchOptions = {
    methods: new Map(Object.entries(options.methods)),
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    authRequired: token !== undefined,
    onError: options.onError,
  };
  // Only JSON media types are read, as bytes: `dispatchBody` decodes and parses them itself so that
  // a body that is not UTF-8 or not JSON is answered with JSON-RPC's parse error (-32700), not an
  // HTTP 400 (or, for bad bytes, read as U+FFFD).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...JSON_RPC_MEDIA_TYPES], { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );

  app.post("/", async (request, reply) => {
    const mediaType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (!JSON_RPC_MEDIA_TYPES.has(mediaType)) {
      return refuse(reply, 415, `content-type must be application/json, got "${mediaType || "none"}"`);
    }
    // The client going away before the answer, or the server's grace period running out, stops the handlers.
    const abort = new RequestSignal(reply.raw, options.shutdown);
    try {
      const answer = await dispatchBody(
        request.body instanceof Uint8Array ? request.body : "",
        requestScope(request.headers.authorization, token, abort, request.socket.remoteAddress),
        dispatchOptions,
      );
      if (options.closing()) reply.header("Connection", "close");
      if (answer === undefined) return reply.code(204).send();
      if (!(answer instanceof StreamedAnswer)) return reply.code(200).type("application/json").send(answer);
      endConnectionIfClosing(request.raw, reply.raw, options.closing);
      return reply.code(200).type("application/json").send(answer.toStream());
    } finally {
      abort.release();
    }
  });
  // Other methods on "/" (GET serves the dashboard) are told what is allowed, as before.
  app.route({
    method: ["PUT", "DELETE", "PATCH"],
    url: "/",
    handler: (request, reply) =>
      refuse(
        reply.header("Allow", "GET, HEAD, POST"),
        405,
        `HTTP method ${request.method} not allowed: JSON-RPC is served by POST only`,
      ),
  });
}
