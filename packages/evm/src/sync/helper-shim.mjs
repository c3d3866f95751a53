// The helper thread's entry beside the TypeScript sources (the built package's is the compiled
// helper-thread.js). Plain JavaScript, so that it starts under any parent (tsx, vitest, a worker
// pool): it registers tsx's loader, then loads the TypeScript helper.
import { register } from "tsx/esm/api";

register();
await import("./helper-thread.ts");
