import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cutIfUnread, foreignHostMessage, hostCheck } from "@paas/core";
import { type FaultSwitches, namespacesOf } from "./faults.js";

export interface FrontOptions {
  readonly host: string;
  readonly port: number;
  /** Where the JSON-RPC server listens (loopback). */
  readonly upstreamPort: number;
  readonly faults: FaultSwitches;
  /** Larger bodies get 413 without being read further, as the JSON-RPC server would answer. */
  readonly maxBodyBytes: number;
  /** A client that has not taken its whole answer this long after it was written is cut. Default 120 s. */
  readonly answerTimeoutMs?: number;
}

/** As the prover server's: a witness batch is megabytes, read in well under this by any live client. */
const DEFAULT_ANSWER_TIMEOUT_MS = 120_000;

export interface Front {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The devnet's public HTTP endpoint: it reads each request, applies the fault switches (503 for a
 * paused CL, 500 for a forced failure, a delay) and forwards what passes, unchanged, to the
 * @paas/jsonrpc server on a private loopback port, streaming the answer back. Faults need real
 * HTTP statuses, which a JSON-RPC method handler cannot set; hence this thin layer in front.
 */
export async function startFront(options: FrontOptions): Promise<Front> {
  const agent = new Agent({ keepAlive: true });
  const pending = new Set<AbortController>();
  // Checked here, where requests arrive: what is forwarded names the upstream server as its Host.
  const acceptsHost = hostCheck(options.host);
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!acceptsHost(req.headers.host)) {
      // A page whose name was rebound to 127.0.0.1 must not reach the admin methods. Unread body:
      // the connection cannot carry another request.
      res.setHeader("Connection", "close");
      return reply(
        res,
        403,
        "application/json",
        jsonRpcRefusal(foreignHostMessage(req.headers.host, "no other")),
      );
    }
    const body = await readBody(req, options.maxBodyBytes);
    if (body === "too-large") {
      req.pause();
      res.setHeader("Connection", "close");
      return reply(
        res,
        413,
        "application/json",
        jsonRpcRefusal(`request body exceeds ${options.maxBodyBytes} bytes`),
      );
    }
    const decision =
      req.method === "POST"
        ? options.faults.decide(namespacesOf(body.toString("utf8")))
        : { action: "pass" as const, delayMs: 0 };
    if (decision.action === "unavailable") {
      res.setHeader("Retry-After", "1");
      return reply(res, 503, "text/plain", "devnet: the CL RPC is paused (fault switch)\n");
    }
    if (decision.action === "fail") {
      return reply(res, 500, "text/plain", "devnet: forced failure (fault switch)\n");
    }
    if (decision.delayMs > 0) {
      const controller = new AbortController();
      pending.add(controller);
      const gone = () => controller.abort();
      res.once("close", gone);
      try {
        await sleep(decision.delayMs, controller.signal);
      } finally {
        pending.delete(controller);
        res.off("close", gone);
      }
      if (controller.signal.aborted) return void res.destroy();
    }
    await forward(req, res, body);
  }

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, firstTry = true): Promise<void> {
    return new Promise((resolve) => {
      const headers: Record<string, string | string[]> = { "content-length": String(body.length) };
      for (const name of ["content-type", "authorization", "accept"]) {
        const value = req.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      const upstream = request(
        { host: "127.0.0.1", port: options.upstreamPort, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const out: Record<string, string | string[]> = {};
          for (const name of ["content-type", "content-length", "allow", "connection"]) {
            const value = answer.headers[name];
            if (value !== undefined) out[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, out);
          // A client that stops reading held this connection, the upstream one and the answer for
          // good (core's rule for our HTTP servers).
          cutIfUnread(res, answerTimeoutMs);
          answer.pipe(res);
          answer.once("end", resolve);
          answer.once("error", () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.once("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the JSON-RPC server closed as idle just as this request reused it:
        // the server never read the request, so sending it again on a new socket is safe (the
        // pattern Node's http documentation gives for `reusedSocket`). Without it a client saw a
        // spurious 502 now and then.
        if (firstTry && upstream.reusedSocket && error.code === "ECONNRESET" && !res.headersSent) {
          resolve(forward(req, res, body, false));
          return;
        }
        if (!res.headersSent) reply(res, 502, "text/plain", "devnet: the JSON-RPC server did not answer\n");
        else res.destroy();
        resolve();
      });
      // The client going away aborts the upstream call, so the method handler's signal aborts too.
      res.once("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, "text/plain", "devnet: internal error\n");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const controller of pending) controller.abort();
        server.close(() => {
          agent.destroy();
          resolve();
        });
        server.closeIdleConnections();
        // In-flight answers get a moment; then every connection is cut.
        setTimeout(() => server.closeAllConnections(), 250).unref();
      }),
  };
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) }).end(body);
}

function jsonRpcRefusal(message: string): string {
  return JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32600, message } });
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
