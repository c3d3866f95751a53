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
 * is its own or dead. The lock is an exclusive SQLite lock on `<database>.lock`, held by an open
 * transaction for the life of the process: the kernel drops it when the process dies, even by
 * SIGKILL, so a crash never leaves a stale lock behind. Who holds it is written beside it, for the
 * message a second process shows.
 */
export function lockDatabaseFile(file: string): HeldLock {
  const lockFile = `${file}.lock`;
  const holderFile = `${lockFile}.json`;
  const lock = new SqliteDatabase(lockFile, { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new DatabaseInUseError(
      `${file} is in use by another prover instance (${describeHolder(holderFile)}): stop it first, or give this one another data directory; several instances share a PostgreSQL database instead (database.url)`,
    );
  }
  const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(holderFile, `${JSON.stringify(holder)}\n`);
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
