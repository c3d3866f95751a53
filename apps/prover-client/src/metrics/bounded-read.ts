/**
 * How long a scrape waits for one read of the task database or of a plugin's report: well under
 * Prometheus's default scrape timeout (10 s). A read held longer (a `VACUUM FULL` of `paas prune
 * --compact` locking the table, a database behind a network that drops packets) left the whole
 * scrape unanswered: `up == 0` and PaasProverDown ("is it running?"), the process series gone, and
 * `paas_task_database_up` never saying 0.
 */
export const SCRAPE_READ_TIMEOUT_MS = 5_000;

/**
 * What `read` answers, or undefined when it fails or has not answered within `timeoutMs` (it runs
 * on, its answer dropped): the series it feeds are left out of this scrape, the others served.
 */
export function boundedRead<T>(
  read: () => Promise<T | undefined> | undefined,
  timeoutMs = SCRAPE_READ_TIMEOUT_MS,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
    Promise.resolve()
      .then(read)
      .then(resolve, () => resolve(undefined))
      .finally(() => clearTimeout(timer));
  });
}
