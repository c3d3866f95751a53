import { workerData } from "node:worker_threads";
import { ProgramDefinitionError } from "./errors.js";
import { isProvingWorker } from "./worker/protocol.js";

/**
 * Imported first by the package entry point. A program module that imports "@paas/zkvm" would
 * drag the host side (worker pool, @paas/core with tsyringe and SQLite) into every proving worker;
 * this fails that import at once with the fix, before any of it loads.
 */
if (isProvingWorker(workerData)) {
  throw new ProgramDefinitionError(
    "PROGRAM_HOST_IMPORT",
    'a program module imported "@paas/zkvm" inside a proving worker; program modules must import "@paas/zkvm/program"',
  );
}
