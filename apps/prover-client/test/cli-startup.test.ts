/**
 * `paas --version` and `paas --help` answer from the commands' definitions alone: what main.ts
 * loads before parsing the command line is commander and core's contracts, never the app, the
 * JSON-RPC client, the zkVM or the proving server (each command loads those in its action).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const CLI_DIR = path.join(import.meta.dirname, "../src/cli");

/** The modules a file imports when it is loaded: static imports, not `import type` or `import()`. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^import\s+(?!type\s)(?:[^;]*?\sfrom\s+)?"([^"]+)";/gms)].map((m) => m[1]!);
}

/** Every package a module loads before it runs, through the modules of this app it loads. */
function loadedPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith("."))
        visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

it("loads only the commands' definitions before parsing the command line", () => {
  const packages = [...loadedPackages(path.join(CLI_DIR, "main.ts"))].filter((p) => !p.startsWith("node:"));
  expect(packages.sort()).toEqual(["@paas/core/contracts", "commander"]);
});

it("sees through multi-line imports and skips type-only ones", () => {
  const imports = staticImports(path.join(CLI_DIR, "client-commands.ts"));
  expect(imports).toContain("./operator-commands.js");
  expect(imports).not.toContain("@paas/core");
});
