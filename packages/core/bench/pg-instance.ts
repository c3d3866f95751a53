/**
 * One proving instance of the multi-instance benchmark, in a process of its own as in production:
 * launches a no-op service on the PostgreSQL schema it is given, says "ready" on stdout, and
 * closes (releasing its leases) when its parent closes stdin or sends SIGTERM.
 *
 *   node --conditions=@paas/source --import tsx bench/pg-instance.ts <url> <schema> <instance id> <concurrency>
 */
import { launchNoop } from "./noop.js";

const [url, schema, instanceId, concurrency] = process.argv.slice(2);
if (!url || !schema || !instanceId || !concurrency) {
  console.error("usage: pg-instance.ts <url> <schema> <instance id> <concurrency>");
  process.exit(2);
}

const service = await launchNoop({ url, schema }, Number(concurrency), { instanceId });
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  service.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", close);
process.stdin.on("end", close);
process.stdin.resume();
process.stdout.write("ready\n");
