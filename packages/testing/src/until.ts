/** How often `until` asks again: often enough that a test waits little past the moment. */
const POLL_MS = 20;

/**
 * Polls `condition` until it holds, or throws after `timeoutMs` saying what it waited for: a wait
 * for something asynchronous (a proof, a publication, a takeover), not a timing assertion. The
 * default is generous because a first proof starts worker threads, which on a loaded 2-core
 * machine has taken over 20 s.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
