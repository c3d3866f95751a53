/**
 * Writes a deployment bundle (deploy/bundle.ts) from the workspace's builds:
 *
 *   npm run build && npm run pack:deployment -w @paas/prover-client -- DIR [--without-devnet] [--with plugins/my-plugin]…
 *
 * then, on the machine or image that runs it: copy DIR there and `npm ci --omit=dev` in it.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { APP_PACKAGES, DEVNET_PACKAGES, packWorkspaces, WORKSPACE_ROOT, writeAppManifest } from "./bundle.js";

const usage =
  "usage: npm run pack:deployment -w @paas/prover-client -- DIR [--without-devnet] [--with WORKSPACE_DIR]…";

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "without-devnet": { type: "boolean", default: false },
      with: { type: "string", multiple: true, default: [] },
    },
  });
  if (positionals.length !== 1) throw new Error(usage);
  // `npm run -w` starts us in the package's directory; DIR is meant from where the user typed it.
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
  // Written over, a bundle kept what the earlier one named (writeAppManifest keeps an app's own
  // dependencies): --without-devnet after a bundle with the devnet still installed it.
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty: write the bundle to a new directory (or remove that one)`);
  }
  const packages = [
    ...APP_PACKAGES.filter((p) => !(values["without-devnet"] && DEVNET_PACKAGES.includes(p))),
    ...values.with,
  ];
  const tarballs = packWorkspaces(packages, path.join(dir, "tarballs"), WORKSPACE_ROOT);
  writeAppManifest(dir, tarballs);
  console.log(`deployment bundle in ${dir}: ${[...tarballs.keys()].join(", ")}`);
  console.log(`install it with \`npm ci --omit=dev\` in that directory (or a copy of it)`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
