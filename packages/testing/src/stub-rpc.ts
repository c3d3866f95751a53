import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** How a stubbed call fails, to drive a plugin's real client through transient failures. */
export type StubFailure =
  | { readonly mode: "http500" }
  | { readonly mode: "malformed" }
  /** Never answers; the client's timeout fires. */
  | { readonly mode: "timeout" }
  | { readonly mode: "rpc-error"; readonly code: number; readonly message: string; readonly data?: unknown };

export type StubHandler = (params: unknown) => unknown;

export interface StubCall {
  readonly method: string;
  readonly params: unknown;
  /** How it was answered. */
  readonly outcome: "ok" | "error" | StubFailure["mode"];
}

interface RpcRequest {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

/** JSON-RPC error codes the stub answers with for its own refusals. */
const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

/**
 * A tiny real JSON-RPC server on 127.0.0.1 (random port) answering from a table of method →
 * handler. It records every call and fails calls on demand. A handler's thrown error becomes a
 * JSON-RPC error (`{ code, message }` of the error when it has a numeric `code`).
 */
export class StubRpc {
  readonly calls: StubCall[] = [];
  private readonly failures: { method: string | undefined; failure: StubFailure; remaining: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly handlers: Record<string, StubHandler>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Adds or replaces a method's handler. */
  handle(method: string, handler: StubHandler): void {
    this.handlers[method] = handler;
  }

  /** Fails the next `times` calls (of `method`, or of any method when omitted). */
  failNext(failure: StubFailure, options: { method?: string; times?: number } = {}): void {
    this.failures.push({ method: options.method, failure, remaining: options.times ?? 1 });
  }

  callsOf(method: string): StubCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => void this.serve(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return this.send(res, 400, {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "parse error" },
      });
    }
    // A batch is answered call by call, as a node does; a failure of the exchange (500, malformed,
    // timeout) drawn by any of its calls fails the whole batch.
    const requests = Array.isArray(payload) ? payload : [payload];
    const answers = await Promise.all(requests.map((request) => this.answer(request as RpcRequest)));
    const exchange = answers.find((a): a is StubFailure["mode"] => typeof a === "string");
    if (exchange === "timeout") return; // hold the connection open until the client gives up
    if (exchange === "http500") return this.send(res, 500, "stub: internal server error");
    if (exchange === "malformed") return this.send(res, 200, "{ this is not json");
    this.send(res, 200, Array.isArray(payload) ? answers : answers[0]);
  }

  /** One call's JSON-RPC response, or the way the whole exchange fails. */
  private async answer(request: RpcRequest): Promise<object | StubFailure["mode"]> {
    const method = String(request.method);
    const failure = this.takeFailure(method);
    if (failure) {
      this.calls.push({ method, params: request.params, outcome: failure.mode });
      if (failure.mode !== "rpc-error") return failure.mode;
      const { code, message, data } = failure;
      return { jsonrpc: "2.0", id: request.id, error: { code, message, data } };
    }
    const handler = this.handlers[method];
    if (!handler) {
      this.calls.push({ method, params: request.params, outcome: "error" });
      const error = { code: METHOD_NOT_FOUND, message: `stub has no method ${method}` };
      return { jsonrpc: "2.0", id: request.id, error };
    }
    try {
      const result = await handler(request.params);
      this.calls.push({ method, params: request.params, outcome: "ok" });
      return { jsonrpc: "2.0", id: request.id, result: result ?? null };
    } catch (error) {
      this.calls.push({ method, params: request.params, outcome: "error" });
      const { code, message, data } = error as { code?: unknown; message?: string; data?: unknown };
      const rpcError = {
        code: typeof code === "number" ? code : INTERNAL_ERROR,
        message: message ?? "error",
        data,
      };
      return { jsonrpc: "2.0", id: request.id, error: rpcError };
    }
  }

  private takeFailure(method: string): StubFailure | undefined {
    const entry = this.failures.find(
      (f) => f.remaining > 0 && (f.method === undefined || f.method === method),
    );
    if (!entry) return undefined;
    entry.remaining--;
    return entry.failure;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json" }).end(text);
  }
}

/** Starts a stub JSON-RPC server; close it in `afterEach`/`afterAll`. */
export async function createStubRpc(handlers: Record<string, StubHandler> = {}): Promise<StubRpc> {
  return new StubRpc({ ...handlers }).listen();
}
