import { afterEach } from "vitest";
import { type DatabaseLocation, type OpenedDatabase, openDatabase } from "../../src/index.js";
import { type StartedService, startService } from "../fixtures/start-service.js";

const running: StartedService[] = [];
const opened: OpenedDatabase[] = [];
afterEach(async () => {
  for (const s of running.splice(0).reverse()) await s.service.close();
  for (const db of opened.splice(0)) await db.close();
});

/** A store opened on `location` without a service, closed after the test. */
export async function open(location: DatabaseLocation): Promise<OpenedDatabase> {
  const db = await openDatabase(location);
  opened.push(db);
  return db;
}

/** A service on `database`, closed after the test (closing twice is harmless: a test may close it first). */
export async function start(
  database: DatabaseLocation,
  options: Parameters<typeof startService>[0] = {},
): Promise<StartedService> {
  const started = await startService({ database, ...options });
  running.push(started);
  return started;
}

/** Polls until `check` holds (a functional wait, not a timing assertion). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
