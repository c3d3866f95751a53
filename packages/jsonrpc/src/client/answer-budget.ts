/**
 * Bytes of answers being read, shared by the calls of the clients given it (the EL thread's), so
 * that their bodies, buffered outside the JS heap where no heap limit bounds them, are bounded
 * together rather than only each by `maxResponseBytes`. A call reserves an answer's declared
 * Content-Length before reading it, otherwise its bytes as they arrive, and gives them back once
 * its answer is parsed. A call that would pass the limit waits (no more of its body is read) in
 * arrival order, its signal still giving it up, rather than failing.
 *
 * The oldest call never waits: reading answers as they arrive, two calls could otherwise each hold
 * part of the budget and wait for the other's part forever. It is bounded by its own
 * `maxResponseBytes`, so the answers being read take at most `limitBytes` plus one answer.
 */
export class AnswerBudget {
  private used = 0;
  /** Open tickets, oldest first (a Set keeps insertion order). */
  private readonly tickets = new Set<Ticket>();
  private readonly queue: Ticket[] = [];

  constructor(readonly limitBytes: number) {}

  /** A call's share; `close` it once its answer is parsed (or the call failed). */
  open(signal: AbortSignal): AnswerTicket {
    const ticket: Ticket = { held: 0, seen: 0, signal };
    this.tickets.add(ticket);
    return {
      expect: (bytes) => this.reserve(ticket, bytes - ticket.held),
      take: (bytes) => {
        ticket.seen += bytes;
        return this.reserve(ticket, ticket.seen - ticket.held);
      },
      close: () => this.close(ticket),
    };
  }

  private reserve(ticket: Ticket, bytes: number): Promise<void> | undefined {
    if (bytes <= 0) return undefined;
    if (this.fits(ticket, bytes, this.queue.length === 0)) {
      this.grant(ticket, bytes);
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      // An abort event is never sent again: a call given up already would wait for good.
      if (ticket.signal.aborted) return reject(ticket.signal.reason);
      const onAbort = () => {
        this.unqueue(ticket);
        this.wake();
        reject(ticket.signal.reason);
      };
      ticket.waiting = { bytes, resolve, onAbort };
      ticket.signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(ticket);
    });
  }

  /** Whether `ticket` may take `bytes` now; only the oldest call goes past calls waiting before it. */
  private fits(ticket: Ticket, bytes: number, first: boolean): boolean {
    const oldest = this.oldest();
    if (ticket === oldest) return true;
    return first && this.used - (oldest?.held ?? 0) + bytes <= this.limitBytes;
  }

  private oldest(): Ticket | undefined {
    return this.tickets.values().next().value;
  }

  private grant(ticket: Ticket, bytes: number): void {
    ticket.held += bytes;
    this.used += bytes;
  }

  private close(ticket: Ticket): void {
    if (!this.tickets.delete(ticket)) return;
    this.unqueue(ticket);
    this.used -= ticket.held;
    this.wake();
  }

  private unqueue(ticket: Ticket): void {
    if (ticket.waiting) ticket.signal.removeEventListener("abort", ticket.waiting.onAbort);
    ticket.waiting = undefined;
    const at = this.queue.indexOf(ticket);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Lets waiting calls on, in order, as far as the budget allows (the oldest whatever its place). */
  private wake(): void {
    const oldest = this.oldest();
    if (oldest?.waiting) this.resume(oldest);
    for (
      let next = this.queue[0];
      next?.waiting && this.fits(next, next.waiting.bytes, true);
      next = this.queue[0]
    ) {
      this.resume(next);
    }
  }

  private resume(ticket: Ticket): void {
    const { bytes, resolve } = ticket.waiting!;
    this.unqueue(ticket);
    this.grant(ticket, bytes);
    resolve();
  }
}

/** One call's share of an `AnswerBudget`. */
export interface AnswerTicket {
  /** Reserves the answer's declared length before it is read; resolves once it may be read. */
  expect(bytes: number): Promise<void> | undefined;
  /** Counts a chunk read: undefined when it fits, else resolves once it does. */
  take(bytes: number): Promise<void> | undefined;
  close(): void;
}

interface Ticket {
  held: number;
  /** Bytes read: past `held` (an answer without or over its declared length), more is reserved. */
  seen: number;
  readonly signal: AbortSignal;
  waiting?: { readonly bytes: number; readonly resolve: () => void; readonly onAbort: () => void };
}
