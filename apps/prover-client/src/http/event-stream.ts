import type { ServerResponse } from "node:http";

export interface EventStreamOptions {
  /** Most subscribers at once; one more is refused (the dashboard is for a few operators). */
  readonly maxSubscribers?: number;
  /**
   * Most subscribers from one address, so that one client cannot take every place (behind a
   * reverse proxy, every dashboard counts as the proxy's).
   */
  readonly maxPerAddress?: number;
  /** A subscriber with more than this written but not yet taken by its connection is dropped. */
  readonly maxBufferedBytes?: number;
  /** A comment line this often keeps proxies and browsers from timing the stream out. */
  readonly heartbeatMs?: number;
  /** What a new subscriber is sent first, and every `tickMs` while anyone listens (the overview). */
  readonly snapshot?: {
    readonly event: string;
    readonly read: () => Promise<unknown>;
    readonly tickMs: number;
  };
  /** A snapshot that failed to build (logged, never sent). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Server-sent events for the dashboard: every subscriber gets every event. Bounded: at most
 * `maxSubscribers` connections, and a subscriber that does not read is dropped rather than
 * buffered for without limit. The snapshot is built once per tick for all subscribers, and only
 * while there are some.
 */
export class EventStream {
  private readonly subscribers = new Set<ServerResponse>();
  private readonly perAddress = new Map<string, number>();
  private readonly maxSubscribers: number;
  private readonly maxPerAddress: number;
  private readonly maxBufferedBytes: number;
  private readonly heartbeatMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  /** The snapshot being read, shared by whoever asks meanwhile. */
  private pending: Promise<string | undefined> | undefined;
  private closed = false;

  constructor(private readonly options: EventStreamOptions = {}) {
    this.maxSubscribers = options.maxSubscribers ?? 32;
    this.maxPerAddress = options.maxPerAddress ?? 8;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Takes over a response as an event stream; false (nothing written) when full, full for its
   * address, or closed.
   */
  subscribe(res: ServerResponse): boolean {
    const address = res.req.socket.remoteAddress ?? "";
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.closed || this.subscribers.size >= this.maxSubscribers || fromAddress >= this.maxPerAddress) {
      return false;
    }
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      // Proxies such as nginx buffer responses unless told not to.
      "X-Accel-Buffering": "no",
    });
    // Tells EventSource how long to wait before reconnecting after a drop.
    res.write("retry: 2000\n\n");
    this.subscribers.add(res);
    this.perAddress.set(address, fromAddress + 1);
    res.once("close", () => {
      this.drop(res);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
    this.startTimers();
    void this.sendSnapshot(res);
    return true;
  }

  publish(event: string, data: unknown): void {
    if (this.subscribers.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.subscribers) this.write(res, frame);
  }

  /** Ends every stream (the server is closing) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
    this.stopTimers();
  }

  private write(res: ServerResponse, frame: string): void {
    if (res.writableLength > this.maxBufferedBytes) {
      // A subscriber this far behind is not reading: drop it; EventSource reconnects if it lives.
      this.drop(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  private drop(res: ServerResponse): void {
    this.subscribers.delete(res);
    if (this.subscribers.size === 0) this.stopTimers();
  }

  private startTimers(): void {
    this.heartbeat ??= setInterval(() => {
      for (const res of this.subscribers) this.write(res, ": heartbeat\n\n");
    }, this.heartbeatMs).unref();
    const snapshot = this.options.snapshot;
    if (snapshot !== undefined) {
      this.tick ??= setInterval(() => void this.broadcastSnapshot(), snapshot.tickMs).unref();
    }
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.tick);
    this.heartbeat = undefined;
    this.tick = undefined;
  }

  private async sendSnapshot(res: ServerResponse): Promise<void> {
    const frame = await this.buildSnapshot();
    if (frame !== undefined && this.subscribers.has(res)) this.write(res, frame);
  }

  /** One snapshot per tick at most: a tick that finds one still being read is skipped. */
  private async broadcastSnapshot(): Promise<void> {
    if (this.pending !== undefined || this.subscribers.size === 0) return;
    const frame = await this.buildSnapshot();
    if (frame !== undefined) for (const res of this.subscribers) this.write(res, frame);
  }

  /**
   * One read at a time: subscribers arriving while a snapshot is read get that one, so a burst of
   * connections (or reconnections) costs one overview, not one each.
   */
  private buildSnapshot(): Promise<string | undefined> {
    this.pending ??= this.readSnapshot().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async readSnapshot(): Promise<string | undefined> {
    const snapshot = this.options.snapshot;
    if (snapshot === undefined) return undefined;
    try {
      return `event: ${snapshot.event}\ndata: ${JSON.stringify(await snapshot.read())}\n\n`;
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
  }
}
