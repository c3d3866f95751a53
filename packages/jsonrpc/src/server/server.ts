import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { cutIfUnread, foreignHostMessage, hostCheck } from "@paas/core";
import { RpcErrorCode } from "../codes.js";
import { failureResponse } from "../protocol.js";
import { dispatchBody, type ErrorListener } from "./dispatch.js";
import { INTERNAL_ERROR } from "./errors-to-wire.js";
import type { MethodRegistry } from "./methods.js";
import { readBodyCapped } from "./read-body.js";
import { RequestSignal, requestScope } from "./request-signal.js";
import { endConnectionIfClosing, StreamedAnswer } from "./streamed-result.js";

/** An extra HTTP route served beside JSON-RPC, e.g. `GET /metrics`. */
export interface HttpRoute {
  readonly method: string;
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface JsonRpcServerOptions {
  readonly methods: MethodRegistry;
  /** Loopback by default: exposing the server is a deliberate choice. */
  readonly host?: string;
  /**
   * On loopback, requests naming another host (`Host`) are refused with 403, against DNS
   * rebinding: a web page whose name resolves to 127.0.0.1 could otherwise call the server. These
   * names are answered besides loopback ones (a local proxy keeping its own Host).
   */
  readonly allowedHosts?: readonly string[];
  /** 0 (the default) picks a free port; `listen()` returns the one chosen. */
  readonly port?: number;
  /** Where JSON-RPC is served. Default "/". */
  readonly path?: string;
  /** Request bodies over this are refused with 413 without reading further. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Most requests in one batch. Default 100. */
  readonly maxBatchSize?: number;
  /**
   * When set, methods marked `mutates` require `Authorization: Bearer <token>`. `hint`, where a
   * caller finds the token (e.g. its file), ends the refusal's message: one who reads only the
   * answer (curl) learns what to send.
   */
  readonly auth?: { readonly bearerToken: string; readonly hint?: string };
  /** Called with every error a handler threw and what was sent for it (for logs; unknown errors are only visible here). */
  readonly onError?: ErrorListener;
  readonly routes?: readonly HttpRoute[];
  /** How long `close()` lets in-flight requests finish before cutting connections. Default 1000 ms. */
  readonly closeGraceMs?: number;
  /**
   * How long a client may take to send a whole request, headers and body; a slower one is answered
   * 408 and its connection closed. Default 60 s, as the prover client's server.
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long a client may take to read a whole JSON-RPC answer before its connection is cut (core's
   * `cutIfUnread`). Default 60 s, as the prover client's server.
   */
  readonly answerTimeoutMs?: number;
}

export interface JsonRpcServer {
  /** Starts listening; resolves with the actual port. */
  listen(): Promise<number>;
  /**
   * Stops accepting and closes idle keep-alive connections; in-flight calls may finish within
   * `closeGraceMs`, after which their signals abort and their connections are cut.
   */
  close(): Promise<void>;
  /** `http://host:port/path`; only valid after `listen()`. */
  readonly url: string;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Node's own default is five minutes, during which a client sending its body a byte a second held
 * its connection and the part of the body it had sent.
 */
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** An answer not read (a batch's may be 16 MiB) stays in memory as long as its client keeps the connection. */
const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;
/** How often Node looks for requests past their time: the timeout is enforced to within this. */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 5_000;
/** Most requests in one batch unless a server says otherwise. */
export const DEFAULT_MAX_BATCH_SIZE = 100;
/** The media types a JSON-RPC request may be sent as; anything else is refused with 415. */
export const JSON_RPC_MEDIA_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/json-rpc",
  "application/jsonrequest",
]);

export function createJsonRpcServer(options: JsonRpcServerOptions): JsonRpcServer {
  const host = options.host ?? "127.0.0.1";
  const rpcPath = options.path ?? "/";
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const closeGraceMs = options.closeGraceMs ?? 1000;
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const token = options.auth?.bearerToken;
  const acceptsHost = hostCheck(host, options.allowedHosts);
  if (token !== undefined && token.length === 0) throw new RangeError("auth.bearerToken must not be empty");
  const dispatchOptions = {
    methods: new Map(Object.entries(options.methods)),
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    authRequired: token !== undefined,
    ...(options.auth?.hint !== undefined && { authHint: options.auth.hint }),
    onError: options.onError,
  };
  // Aborted when the close's grace period runs out: every in-flight call's signal follows it.
  const shutdown = new AbortController();
  let closing = false;
  let port: number | undefined;

  async function serveRpc(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      return refuse(res, 405, `HTTP method ${req.method} not allowed: JSON-RPC is served by POST only`);
    }
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (!JSON_RPC_MEDIA_TYPES.has(mediaType)) {
      return refuse(res, 415, `content-type must be application/json, got "${mediaType || "none"}"`);
    }

    const abort = new RequestSignal(res, shutdown.signal);
    try {
      const answer = await dispatchBody(
        body,
        requestScope(req.headers.authorization, token, abort, req.socket.remoteAddress),
        dispatchOptions,
      );
      if (closing) res.setHeader("Connection", "close");
      // From now, not from the request's start: a long call is not cut while it runs.
      cutIfUnread(res, answerTimeoutMs);
      if (answer === undefined) {
        res.writeHead(204).end();
      } else if (answer instanceof StreamedAnswer) {
        res.writeHead(200, { "Content-Type": "application/json" });
        endConnectionIfClosing(req, res, () => closing);
        // A client that goes away mid-answer ends the pipeline with an error, and so do pieces that
        // throw, which the answer has reported itself: nothing more to report.
        await pipeline(answer.toStream(), res).catch(() => undefined);
      } else {
        res.writeHead(200, { "Content-Type": "application/json" }).end(answer);
      }
    } finally {
      abort.release();
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every body is read (up to the cap) before any answer, refusals included: a body left unread
    // on a kept-alive connection would be taken for the next request, and closing while the client
    // still sends loses the answer.
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBodyBytes) return refuseTooLarge(req, res, maxBodyBytes);
    // A client gone before the end of its body (or cut by the request timeout) has nobody left to
    // answer, and is no failure of the server's: nothing is reported.
    const body = await readBodyCapped(req, maxBodyBytes).catch(() => undefined);
    if (body === undefined) return;
    if (body === "too-large") return refuseTooLarge(req, res, maxBodyBytes);
    if (!acceptsHost(req.headers.host)) {
      return refuse(res, 403, foreignHostMessage(req.headers.host, "the names it is given"));
    }
    // The raw path, not `new URL(...)`: a request path such as `//` is not a valid URL relative to
    // a base and would throw; any path we do not serve is a 404.
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const extra = options.routes?.find((r) => r.method === req.method && r.path === path);
    if (extra) return extra.handle(req, res);
    // Cut short, as the prover client's server does: an answer is no mirror for a 16 KiB path.
    if (path !== rpcPath) return refuse(res, 404, `nothing is served at ${path.slice(0, 100)}`);
    return serveRpc(req, res, body);
  }

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const serverOptions = {
    requestTimeout,
    // Node refuses a headers timeout longer than the request's; its default is 60 s.
    headersTimeout: Math.min(requestTimeout, 60_000),
    connectionsCheckingInterval: Math.min(requestTimeout, MAX_TIMEOUT_CHECK_INTERVAL_MS),
  };
  const server = createServer(serverOptions, (req, res) => {
    route(req, res).catch((error: unknown) => {
      // Only reachable through a broken connection or a failing extra route: never echo details.
      try {
        options.onError?.(error, { sent: INTERNAL_ERROR });
      } catch {
        // Logging must not take the server down.
      }
      if (!res.headersSent) refuse(res, 500, INTERNAL_ERROR.message, INTERNAL_ERROR.code);
      else res.destroy();
    });
  });

  return {
    listen() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, host, () => {
          server.off("error", reject);
          port = (server.address() as AddressInfo).port;
          resolve(port);
        });
      });
    },
    close() {
      closing = true;
      return new Promise((resolve, reject) => {
        // In-flight calls get the grace period to finish; then their handlers are told to stop and
        // the connections are cut.
        const cutoff = setTimeout(() => {
          shutdown.abort();
          server.closeAllConnections();
        }, closeGraceMs);
        server.close((error) => {
          clearTimeout(cutoff);
          // Closing a server that never listened is not a failure worth reporting.
          if (error && (error as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
    },
    get url() {
      if (port === undefined) throw new Error("the server is not listening yet");
      const shownHost = host.includes(":") ? `[${host}]` : host;
      return `http://${shownHost}:${port}${rpcPath}`;
    },
  };
}

/** A transport-level refusal, still with a JSON-RPC error body so any client can read why. */
function refuse(
  res: ServerResponse,
  status: number,
  message: string,
  code: number = RpcErrorCode.INVALID_REQUEST,
): void {
  const body = JSON.stringify(failureResponse(null, { code, message }));
  res.writeHead(status, { "Content-Type": "application/json" }).end(body);
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  // Unread body bytes are left on the socket, so the connection cannot be reused.
  req.pause();
  res.setHeader("Connection", "close");
  refuse(res, 413, `request body exceeds ${maxBytes} bytes`);
}
