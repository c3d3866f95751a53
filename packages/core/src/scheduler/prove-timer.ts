/**
 * A kind's prove timeout, which bounds how long a proof runs. A host that proves elsewhere says
 * while its job waits in the server's queue (`RemoteJob.queued`), and that time does not count:
 * counted, a job queued behind other work on a busy or shared server was timed out before it ran,
 * cancelled, and sent again to the back of the queue, attempt after attempt until the task's
 * retries ran out — or, with the queue shorter than the timeout, stopped partway through its proof,
 * wasting the server's work. Native hosts never say so: all their time counts, as before.
 */
export class ProveTimer {
  private readonly controller = new AbortController();
  private remainingMs: number;
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** Aborts with `reason()` once the proof has run `timeoutMs`. */
  constructor(
    timeoutMs: number,
    private readonly reason: () => Error,
  ) {
    this.remainingMs = timeoutMs;
    this.count();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops counting while the job is queued; counts on from where it stopped once it runs. */
  queued(queued: boolean): void {
    if (this.stopped || this.controller.signal.aborted) return;
    if (queued && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remainingMs -= performance.now() - this.since;
    } else if (!queued && this.timer === undefined) {
      this.count();
    }
  }

  /** The proof ended: no abort any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private count(): void {
    this.since = performance.now();
    this.timer = setTimeout(() => this.controller.abort(this.reason()), Math.max(0, this.remainingMs));
  }
}
