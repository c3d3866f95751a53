#!/usr/bin/env node
// The `paas` command in development: it runs the TypeScript sources (the installed command is the
// built dist/cli/main.js). It loads TypeScript through tsx with the repository's root tsconfig,
// which covers the plugin packages too: tsx applies a tsconfig only to the files it includes, and
// the plugins' parameter decorators need its `experimentalDecorators`. Our packages resolve to
// their sources only under the `@paas/source` export condition, which this process and its worker
// threads must share, so it is a node flag, not something this file could set for them.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

if (!import.meta.resolve("@paas/core").endsWith(".ts")) {
  process.stderr.write(
    "bin/paas.mjs runs the TypeScript sources: start it as `node --conditions=@paas/source bin/paas.mjs …` (npm start does), or run the built dist/cli/main.js\n",
  );
  process.exit(1);
}
register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
await import("../src/cli/main.ts");
