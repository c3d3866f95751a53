import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { JOB_DATABASE_FILE } from "../src/index.js";
import { openJobDatabase } from "../src/store/open-job-database.js";
import { type TempDir, tempDir } from "./helpers.js";

let dir: TempDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

function record(file: string, statement: string): void {
  const db = new SqliteDatabase(file);
  db.prepare(statement).run();
  db.close();
}

it("opens a job table whose migrations were recorded by a clock that later went back, and refuses a newer one", async () => {
  dir = tempDir();
  const file = path.join(dir.dir, JOB_DATABASE_FILE);
  await (await openJobDatabase(dir.dir)).close();
  // 0001 recorded while the clock was ahead, 0002 by the next version with the clock put right.
  record(file, "update kysely_migration set timestamp = '2099-01-01T00:00:00.000Z' where name = '0001_jobs'");
  await (await openJobDatabase(dir.dir)).close();

  record(file, "insert into kysely_migration (name, timestamp) values ('0099_from_the_future', 'x')");
  await expect(openJobDatabase(dir.dir)).rejects.toMatchObject({
    code: "DATABASE_UNUSABLE",
    message: expect.stringMatching(
      /was written by a newer version of the prover server \(0099_from_the_future\);/,
    ),
  });
});
