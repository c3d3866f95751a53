import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseIdentities } from "../generators/proof-plugin/workspace.js";
import type { ProjectInfo } from "./rules.js";

/** Where a plugin keeps copies of the identities of the proof types it depends on (the generator's layout). */
const COPIES = "src/dependencies.ts";

/**
 * Plugins never import each other, so one that depends on another's proof type keeps a copy of
 * its identity (kind and program name, version, proof type) in src/dependencies.ts. A copy out of
 * step proves nothing: its guest would refuse every receipt of the real program, and only in
 * production. Each copy is compared with the identity the defining plugin declares in its src/.
 */
export function staleIdentityCopies(projects: readonly ProjectInfo[]): string[] {
  const plugins = projects.filter((p) => p.tags.includes("type:plugin"));
  const declared = new Map<string, { identity: ReturnType<typeof parseIdentities>[number]; where: string }>();
  for (const plugin of plugins) {
    for (const file of sourceFiles(path.join(plugin.root, "src"))) {
      if (file === path.join(plugin.root, COPIES)) continue;
      for (const identity of parseIdentities(readFileSync(file, "utf8"))) {
        declared.set(identity.kind, {
          identity,
          where: `${plugin.name} (${path.relative(plugin.root, file)})`,
        });
      }
    }
  }
  const problems: string[] = [];
  for (const plugin of plugins) {
    const file = path.join(plugin.root, COPIES);
    if (!isFile(file)) continue;
    for (const copy of parseIdentities(readFileSync(file, "utf8"))) {
      const original = declared.get(copy.kind);
      if (original === undefined) continue; // a proof type defined outside the workspace
      const { name, version, proofType } = original.identity.program;
      const same =
        copy.program.name === name &&
        copy.program.version === version &&
        copy.program.proofType === proofType;
      if (!same) {
        problems.push(
          `${plugin.name} (${COPIES}): ${copy.constant} says program "${copy.program.name}" version "${copy.program.version}" (${copy.program.proofType}), but ${original.where} declares "${name}" version "${version}" (${proofType}); update the copy`,
        );
      }
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return entry.endsWith(".ts") ? [full] : [];
  });
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
