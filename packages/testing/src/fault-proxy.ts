import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy can do to a request instead of (or while) passing it on. */
export type ProxyFault =
  /** HTTP 500 with an HTML body, as a load balancer answers. */
  | "http500"
  /** Holds the request past the client's deadline, then drops it. */
  | "delay"
  /** Passes the request on, then sends the answer's first half with a 200 and ends. */
  | "truncate"
  /** A 200 whose body is not JSON. */
  | "malformed"
  /** Destroys the connection without an answer. */
  | "reset";

export const ALL_PROXY_FAULTS: readonly ProxyFault[] = ["http500", "delay", "truncate", "malformed", "reset"];

export interface FaultProxyOptions {
  /** The node behind the proxy, e.g. the devnet's URL. */
  readonly target: string;
  /** Share of requests that get a fault, 0..1. Default 0 (a plain proxy). */
  readonly rate?: number;
  /** The faults drawn from, uniformly. Default all. */
  readonly faults?: readonly ProxyFault[];
  /** How long a "delay" holds a request. Default 5 s. */
  readonly delayMs?: number;
  /** Random numbers in [0, 1); default Math.random. Give a seeded one for a repeatable run. */
  readonly random?: () => number;
}

/**
 * An HTTP proxy on 127.0.0.1 that passes requests to a node and injects, at a given rate, what a
 * faulty network or proxy does: 500s, answers past the deadline, truncated or malformed bodies,
 * resets. For fault-injection tests of real clients against a real node.
 */
export class FaultProxy {
  private rate: number;
  private readonly faults: readonly ProxyFault[];
  private readonly delayMs: number;
  private readonly random: () => number;
  private readonly target: URL;
  private readonly sockets = new Set<Socket>();
  /** The proxy's own connections to the node, so closing the proxy closes them too. */
  private readonly agent = new Agent({ keepAlive: true });
  private readonly counts = new Map<ProxyFault | "passed", number>();
  private server: Server | undefined;
  private port = 0;

  constructor(options: FaultProxyOptions) {
    this.target = new URL(options.target);
    this.rate = options.rate ?? 0;
    this.faults = options.faults ?? ALL_PROXY_FAULTS;
    this.delayMs = options.delayMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Changes the share of faulted requests (0 turns the faults off). */
  setRate(rate: number): void {
    this.rate = rate;
  }

  /** How many requests passed untouched and how many got each fault. */
  stats(): Readonly<Record<ProxyFault | "passed", number>> {
    const out = { passed: 0, http500: 0, delay: 0, truncate: 0, malformed: 0, reset: 0 };
    for (const [key, n] of this.counts) out[key] = n;
    return out;
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => this.serve(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const fault =
      this.random() < this.rate ? this.faults[Math.floor(this.random() * this.faults.length)] : undefined;
    this.counts.set(fault ?? "passed", (this.counts.get(fault ?? "passed") ?? 0) + 1);
    switch (fault) {
      case "http500":
        req.resume();
        res.writeHead(500, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway</body></html>");
        return;
      case "malformed":
        req.resume();
        res.writeHead(200, { "content-type": "application/json" }).end("<html>maintenance</html>");
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "delay": {
        req.resume();
        const timer = setTimeout(() => req.socket.destroy(), this.delayMs);
        req.socket.once("close", () => clearTimeout(timer));
        return;
      }
      default:
        this.forward(req, res, fault === "truncate");
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, truncate: boolean): void {
    const upstream = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: this.target.host },
        agent: this.agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          const headers = { ...answer.headers };
          delete headers["content-length"];
          res
            .writeHead(answer.statusCode ?? 502, headers)
            .end(truncate ? body.subarray(0, body.length >> 1) : body);
        });
        answer.on("error", () => res.destroy());
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  }
}

/** Starts a fault proxy in front of `options.target`. */
export function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  return new FaultProxy(options).listen();
}
