/**
 * Where a long-running command writes what it says to a person — its banner, the progress view,
 * "stopping…" — beside its logs: stdout on a terminal, where the logs are pretty or in a file;
 * stderr when stdout is a pipe or a file, which then carries JSON log lines alone, so that
 * whatever collects them (journald, a container runtime, a log shipper) can parse every line.
 */
export function humanOutput(): NodeJS.WriteStream {
  return process.stdout.isTTY === true ? process.stdout : process.stderr;
}
