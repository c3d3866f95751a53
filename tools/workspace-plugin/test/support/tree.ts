import type { Tree } from "@nx/devkit";
import type { ProjectFiles } from "../../src/boundaries/conventions.js";

/** The paths a generator wrote under `root`, sorted: what a scaffold is expected to consist of. */
export function writtenUnder(tree: Tree, root: string): string[] {
  return tree
    .listChanges()
    .map((c) => c.path)
    .filter((p) => p.startsWith(root))
    .sort();
}

/** A project's files in a generator's tree, for the workspace's convention check. */
export function filesInTree(tree: Tree, root: string): ProjectFiles {
  return {
    read: (file) => tree.read(`${root}/${file}`, "utf-8") ?? undefined,
    list: (dir) => tree.children(`${root}/${dir}`),
  };
}
