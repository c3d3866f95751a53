// The worker entry beside the TypeScript sources (the built package's is the compiled run-task.js).
// Plain JavaScript on purpose: a worker thread starts without a TypeScript loader. Register tsx's
// ESM loader first, then load the task runner and, later, program modules, which are .ts files.
import { register } from "tsx/esm/api";

register();
const { runTask } = await import("./run-task.ts");

export default runTask;
