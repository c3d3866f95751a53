import type { Notifications } from "../store/opened-database.js";

/**
 * How instances sharing a database tell each other that there is new work (a submission, a task
 * unblocked, a retry scheduled), so an idle instance claims it at once instead of at its next poll.
 */
export interface Wakeups {
  /** Tells the other instances; cheap to call often (coalesced per event-loop turn). */
  announce(): void;
  /** Calls `onWake` whenever another instance announced. */
  start(onWake: () => void): Promise<void>;
  close(): Promise<void>;
}

/** One process on the database (SQLite): it wakes itself directly, there is nobody to tell. */
export const localWakeups: Wakeups = {
  announce() {},
  async start() {},
  async close() {},
};

const CHANNEL = "work";

/**
 * PostgreSQL's LISTEN/NOTIFY. The payload is the announcing instance's id, so an instance ignores
 * its own announcements. Notifications sent while a listener reconnects are lost; it wakes its
 * instance once when it listens again, and the scheduler's slow poll covers anything else missed.
 */
export function notifyWakeups(
  notifications: Notifications,
  instanceId: string,
  onError: (error: unknown) => void,
): Wakeups {
  let queued = false;
  let closed = false;
  const send = () => {
    queued = false;
    return notifications.notify(CHANNEL, instanceId).catch(onError);
  };
  return {
    announce() {
      if (queued || closed) return;
      queued = true;
      setImmediate(() => {
        if (queued && !closed) void send();
      });
    },
    async start(onWake) {
      await notifications.listen(CHANNEL, (from) => {
        if (from !== instanceId) onWake();
      });
    },
    /** Sends what is still pending (work released at close must be announced), then stops. */
    async close() {
      if (queued) await send();
      closed = true;
    },
  };
}
