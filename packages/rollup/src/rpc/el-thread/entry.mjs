// The EL thread's entry beside the TypeScript sources (the built package's is the compiled
// thread.js). Plain JavaScript, so that it starts under any parent (tsx, vitest): it registers
// tsx's loader, then loads the TypeScript thread.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
