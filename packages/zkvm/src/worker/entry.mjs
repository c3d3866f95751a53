// Plain JavaScript on purpose: a worker thread starts without a TypeScript loader. Register tsx's
// ESM loader first, then load the task runner and, later, program modules, which may be .ts files.
// `./run-task.js` is run-task.ts under tsx and the compiled file when the package is built.
import { register } from "tsx/esm/api";

register();
const { runTask } = await import("./run-task.js");

export default runTask;
