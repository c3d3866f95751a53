/**
 * `work`, or, as soon as `signal` aborts, a rejection with its reason: a start told to stop gives
 * up on the step it waits in. A PostgreSQL that accepted and never answered held a SIGTERM for
 * its 10 s connect timeout and then failed the start as unreachable (exit 1), and a devnet slow
 * to start held it for up to a minute, past a container runtime's grace period. The step goes on
 * unwatched: what it opens once given up on is closed by `close` as it settles.
 */
export function unlessStopped<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  close?: (opened: T) => Promise<unknown>,
): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let givenUp = false;
    const giveUp = () => {
      givenUp = true;
      reject(signal.reason);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener("abort", giveUp, { once: true });
    work.then(
      (opened) => {
        signal.removeEventListener("abort", giveUp);
        if (!givenUp) resolve(opened);
        else void close?.(opened).catch(() => {});
      },
      (error: unknown) => {
        signal.removeEventListener("abort", giveUp);
        reject(error);
      },
    );
  });
}
