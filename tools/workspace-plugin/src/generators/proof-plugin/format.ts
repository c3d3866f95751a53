import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Tree } from "@nx/devkit";

interface Biome {
  readonly bin: string;
  /** The workspace whose biome.json applies. */
  readonly root: string;
}

/** The workspace's Biome: under the tree's root, else in a directory above the current one. */
export function findBiome(tree: Tree): Biome | undefined {
  const dirs = [tree.root];
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of dirs) {
    const bin = join(dir, "node_modules", "@biomejs", "biome", "bin", "biome");
    if (existsSync(bin) && existsSync(join(dir, "biome.json"))) return { bin, root: dir };
  }
  return undefined;
}

export interface FormatResult {
  /** Biome fixed and formatted everything, and found nothing it could not fix. */
  readonly ok: boolean;
  /** What Biome reported when it was not ok. */
  readonly report: string;
}

const FORMATTED = /\.(?:ts|json|md)$/;

/**
 * Formats files of the tree and organises their imports as `biome check --write` does, with the
 * workspace's biome.json, so that whatever the names' lengths the generated files pass
 * `biome check` as they are. Biome runs once, on copies in a temporary directory (a dry run
 * writes nothing to the workspace), and the results are written back to the tree.
 */
export function formatWithBiome(tree: Tree, files: readonly string[]): FormatResult {
  const biome = findBiome(tree);
  const candidates = files.filter((file) => FORMATTED.test(file) && tree.exists(file));
  if (!biome) return { ok: false, report: "no Biome found (node_modules/@biomejs/biome and biome.json)" };
  if (candidates.length === 0) return { ok: true, report: "" };
  const dir = mkdtempSync(join(tmpdir(), "paas-biome-"));
  try {
    copyFileSync(join(biome.root, "biome.json"), join(dir, "biome.json"));
    for (const file of candidates) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), tree.read(file) ?? "");
    }
    const result = spawnSync(
      process.execPath,
      [biome.bin, "check", "--write", "--vcs-enabled=false", "--colors=off", ...candidates],
      { cwd: dir, encoding: "utf8", timeout: 60_000 },
    );
    for (const file of candidates) {
      const formatted = readFileSync(join(dir, file), "utf8");
      if (formatted !== tree.read(file, "utf-8")) tree.write(file, formatted);
    }
    const ok = result.status === 0;
    return {
      ok,
      report: ok ? "" : `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
