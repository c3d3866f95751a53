// A witness worker of the conformance runner (a Piscina worker) beside the TypeScript sources (the
// built package's is the compiled witness-task.js). Plain JavaScript, so that it starts under any
// parent (tsx, vitest): it loads the TypeScript task through tsx's API.
import { tsImport } from "tsx/esm/api";

const { planFromFile } = await tsImport("./witness-task.ts", import.meta.url);

export { planFromFile };
