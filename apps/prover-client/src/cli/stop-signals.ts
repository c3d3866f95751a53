/**
 * The signals that stop a server command (`paas start`, `paas prover-server`): SIGINT, SIGTERM,
 * and SIGHUP (its terminal closed: a stop like any other, not Node's default of dying on the spot
 * with its leases held until they lapse). Heard from the command's first moment, not once it
 * serves: a stop while it started (a container stopped seconds after its start) took Node's
 * default, dying without a word (exit 143), and where node is a container's first process, as in
 * the image, that default is to ignore the signal: it ran on until the runtime's SIGKILL.
 */
export interface StopSignals {
  /** The first signal's name, once one came. */
  readonly first: Promise<string>;
  /** Whether one came. */
  stopping(): boolean;
  /**
   * Aborted at the first signal: a start waiting on something that does not answer (a database
   * that accepts and never replies, a slow devnet) gives up then, not when that wait ends.
   */
  readonly signal: AbortSignal;
  /**
   * `say` tells the operator that the stop is under way, at the first signal, or at once if it
   * came before (the command was still loading); a later call replaces an earlier one.
   */
  announce(say: (signal: string) => void): void;
}

export function listenForStop(): StopSignals {
  let heard: string | undefined;
  let said = false;
  let say: ((signal: string) => void) | undefined;
  const aborted = new AbortController();
  let resolve!: (signal: string) => void;
  const first = new Promise<string>((settle) => {
    resolve = settle;
  });
  const sayOnce = () => {
    if (heard === undefined || said || say === undefined) return;
    said = true;
    say(heard);
  };
  const stop = (signal: string) => {
    // A second signal, of either kind (Ctrl-C, then `kill` from another shell), is for a stop
    // that takes too long.
    if (heard !== undefined) process.exit(130);
    heard = signal;
    sayOnce();
    resolve(signal);
    aborted.abort(new Error(`stopped by ${signal}`));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop(signal));
  return {
    first,
    stopping: () => heard !== undefined,
    signal: aborted.signal,
    announce(next) {
      say = next;
      sayOnce();
    },
  };
}

/**
 * How a server command says it is stopping: a line on a terminal a person reads, else the
 * `"stopping"` log line a collector parses.
 */
export function sayStopping(
  terminal: boolean,
  logger: { info(fields: object, message: string): void },
): (signal: string) => void {
  return (signal) => {
    if (terminal) process.stdout.write(`${signal}: stopping…\n`);
    else logger.info({ signal }, "stopping");
  };
}
