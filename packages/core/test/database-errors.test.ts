import { expect, it } from "vitest";
import { isStorageFull } from "../src/index.js";

/** Codes the drivers give for errors, as they arrive (better-sqlite3's `code`, pg's SQLSTATE). */
const coded = (code: string) => Object.assign(new Error("refused"), { code });

it("takes as a full disk what each engine says when the database cannot grow, and nothing else", () => {
  // SQLITE_IOERR_SHMSIZE: a start on a full ext4 disk, where enlarging the WAL's -shm file failed.
  for (const code of ["SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "53100"])
    expect(isStorageFull(coded(code))).toBe(true);
  for (const code of [
    "SQLITE_IOERR",
    "SQLITE_IOERR_WRITE",
    "SQLITE_BUSY",
    "SQLITE_CORRUPT",
    "53200",
    "57P01",
  ])
    expect(isStorageFull(coded(code))).toBe(false);
  expect(isStorageFull(undefined)).toBe(false);
});
