import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/**
 * The instance id of the prover client that last started on a data directory it shares a
 * PostgreSQL database from. Read and replaced only while holding the data directory's lock, which
 * the kernel dropped when that process died (even by SIGKILL): so the id it names belongs to a
 * dead process, whose leases the new one takes over at once instead of waiting for them to lapse.
 */
export const INSTANCE_FILE = "instance-id";

interface InstanceFile {
  readonly id: string;
  /** The machine it ran on: a data directory copied to another machine names an instance that may still run. */
  readonly host: string;
  /**
   * The directory it ran in (device and inode, the same through any link or mount of it): one
   * copied beside it, to start a second instance on this machine, names the first, which still runs
   * and holds the original's lock, not the copy's.
   */
  readonly dir: string;
}

/**
 * Records `id` as the data directory's instance (the caller holds its lock) and returns the one it
 * replaces, if that one ran in this very directory on this machine. Written before the new
 * instance holds any lease, so the next start always knows whose leases are left behind.
 */
export function succeedInstance(datadir: string, id: string): string | undefined {
  const file = path.join(datadir, INSTANCE_FILE);
  const previous = readInstanceFile(file);
  const here: Omit<InstanceFile, "id"> = { host: hostname(), dir: directoryIdentity(datadir) };
  const fresh = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(fresh, `${JSON.stringify({ id, ...here } satisfies InstanceFile)}\n`);
  renameSync(fresh, file);
  return previous?.host === here.host && previous.dir === here.dir && previous.id !== id
    ? previous.id
    : undefined;
}

function directoryIdentity(datadir: string): string {
  const { dev, ino } = statSync(datadir, { bigint: true });
  return `${dev}:${ino}`;
}

function readInstanceFile(file: string): InstanceFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<InstanceFile>;
    return typeof parsed.id === "string" && typeof parsed.host === "string" && typeof parsed.dir === "string"
      ? { id: parsed.id, host: parsed.host, dir: parsed.dir }
      : undefined;
  } catch {
    return undefined;
  }
}
