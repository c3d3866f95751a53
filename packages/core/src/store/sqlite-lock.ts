import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import SqliteDatabase from "better-sqlite3";
import { DatabaseInUseError } from "../errors.js";

export interface HeldLock {
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * One process per SQLite task database: the scheduler of that process assumes every lease in it
 * is its own or dead. Refused with a message naming the process that holds it.
 */
export function lockDatabaseFile(file: string): HeldLock {
  return holdLockFile(
    `${file}.lock`,
    (holder) =>
      `${file} is in use by another prover instance (${holder}): stop it first, or give this one another data directory; several instances share a PostgreSQL database instead (database.url)`,
  );
}

/**
 * An exclusive lock on `lockFile` for the life of this process, or a `DatabaseInUseError` with
 * `refusal(holder)`, where holder names the process that has it. The lock is an exclusive SQLite
 * lock held by an open transaction: the kernel drops it when the process dies, even by SIGKILL,
 * so a crash never leaves a stale lock behind. Who holds it is written beside it
 * (`<lockFile>.json`), for the message a second process shows.
 */
export function holdLockFile(lockFile: string, refusal: (holder: string) => string): HeldLock {
  const holderFile = `${lockFile}.json`;
  const lock = new SqliteDatabase(lockFile, { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new DatabaseInUseError(refusal(describeHolder(holderFile)));
  }
  const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    writeFileSync(holderFile, `${JSON.stringify(holder)}\n`);
  } catch (error) {
    lock.close();
    throw error;
  }
  return {
    release() {
      if (lock.open) lock.close();
    },
  };
}

function describeHolder(holderFile: string): string {
  try {
    const holder = JSON.parse(readFileSync(holderFile, "utf8")) as Holder;
    return `pid ${holder.pid} on ${holder.host}, since ${holder.since}`;
  } catch {
    return "a process that has not said who it is";
  }
}
