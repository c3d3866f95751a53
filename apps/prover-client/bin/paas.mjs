#!/usr/bin/env node
// The `paas` command. It loads TypeScript through tsx with the repository's root tsconfig, which
// covers the plugin packages too: tsx applies a tsconfig only to the files it includes, and the
// plugins' parameter decorators need its `experimentalDecorators`.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
await import("../src/cli/main.ts");
