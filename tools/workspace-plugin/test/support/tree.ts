import type { Tree } from "@nx/devkit";

/** The paths a generator wrote under `root`, sorted: what a scaffold is expected to consist of. */
export function writtenUnder(tree: Tree, root: string): string[] {
  return tree
    .listChanges()
    .map((c) => c.path)
    .filter((p) => p.startsWith(root))
    .sort();
}
