import pg from "pg";
import { ServiceClosedError } from "../errors.js";

/** How often the listening connection is asked to answer, and how long it has to. */
export interface ListenerCheck {
  readonly everyMs: number;
  readonly deadlineMs: number;
}

/**
 * Every 30 s, 10 s to answer. The connection only receives, so nothing else would notice its death:
 * TCP keep-alive sends its first probe after the kernel's default two hours.
 */
const LISTENER_CHECK: ListenerCheck = { everyMs: 30_000, deadlineMs: 10_000 };

/**
 * One connection kept for LISTEN (a pooled one would be handed to queries). If it drops, it is
 * opened again after a pause and every channel listened to again. Notifications sent meanwhile are
 * lost, so once listening again it calls every channel's handler as if one had come (a wake-up
 * claims what was announced in the gap). A connection that died silently (a NAT or firewall that
 * forgot the flow, a failover without a reset) reports no error: a `select 1` that does not answer
 * within the check's deadline counts as its loss.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly channels = new Map<string, (payload: string) => void>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private checks: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly check: ListenerCheck = LISTENER_CHECK,
  ) {}

  async listen(channel: string, onMessage: (payload: string) => void): Promise<void> {
    this.channels.set(channel, onMessage);
    const client = await this.connect();
    await client.query(`listen "${channel}"`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.checks);
    const client = this.client;
    this.client = undefined;
    // A connect in flight ends its own connection once it opens (see `connect`); not waited for,
    // as during an outage it may take the whole connect timeout.
    await client?.end().catch(() => {});
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      // The config's connectionTimeoutMillis: a connect that hangs (a server gone without a reset)
      // would leave wake-ups off for good; given up, it is tried again like any other failure.
      const client = new pg.Client({ ...this.config, keepAlive: true });
      client.on("notification", (message) => {
        this.channels.get(message.channel)?.(message.payload ?? "");
      });
      client.on("error", () => this.reconnectLater(client));
      client.on("end", () => this.reconnectLater(client));
      await client.connect();
      if (this.closed) {
        // Closed while it connected (a stop during an outage, the reconnect's connect in flight):
        // kept, it listened, woke the closed scheduler and stayed open for the life of the process.
        await client.end().catch(() => {});
        throw new ServiceClosedError();
      }
      this.client = client;
      this.checkAnswers(client);
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Asks `client` to answer now and then; one that does not is given up and replaced. */
  private checkAnswers(client: pg.Client): void {
    clearInterval(this.checks);
    this.checks = setInterval(() => {
      const silent = setTimeout(() => {
        this.reconnectLater(client);
        // Not awaited: on a dead connection its goodbye may wait for TCP to give up.
        client.end().catch(() => {});
      }, this.check.deadlineMs);
      silent.unref();
      client.query("select 1").then(
        () => clearTimeout(silent),
        // A failed query is the connection's error too, which reconnects.
        () => clearTimeout(silent),
      );
    }, this.check.everyMs);
    this.checks.unref();
  }

  private reconnectLater(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    clearInterval(this.checks);
    this.retry = setTimeout(() => {
      this.connect()
        .then((fresh) => Promise.all([...this.channels.keys()].map((c) => fresh.query(`listen "${c}"`))))
        .then(() => {
          for (const onMessage of this.channels.values()) onMessage("");
        })
        // Not once closed: a connect that ended after the close (see `connect`) tries no more.
        .catch(() => {
          if (!this.closed) this.retry?.refresh();
        });
    }, 1_000);
    this.retry.unref();
  }
}
