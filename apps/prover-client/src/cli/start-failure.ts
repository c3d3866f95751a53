/**
 * A command that runs a server (`paas start`, `paas prover-server`), which says why it could not
 * start in a JSON log line too when stdout is not a terminal: there stdout is JSON lines read by a
 * program (systemd's journal, a container's log collector), and the words on stderr are not one.
 */
export function reportingStartFailure<Args extends unknown[]>(
  run: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      await run(...args);
    } catch (error) {
      if (process.stdout.isTTY !== true) await logStartFailure(error);
      throw error;
    }
  };
}

async function logStartFailure(error: unknown): Promise<void> {
  const { createLogger } = await import("../logging/logger.js");
  const { code } = error as { code?: unknown };
  createLogger({ level: "fatal", pretty: false }).fatal(
    {
      ...(typeof code === "string" && { code }),
      // `error`, a message, as the other lines without a stack say it: `err` is a serialised Error.
      error: error instanceof Error ? error.message : String(error),
    },
    "could not start",
  );
}
