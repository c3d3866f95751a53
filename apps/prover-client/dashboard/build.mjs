/**
 * Builds the dashboard into dist/: one minified ES module bundle (Preact included, so nothing is
 * fetched from the internet at run time), the page and its stylesheet. The prover client serves
 * dist/ at `/` on its RPC port.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import * as esbuild from "esbuild";

const here = import.meta.dirname;
const src = path.join(here, "src");
const dist = path.join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
for (const file of ["index.html", "style.css"]) await copyFile(path.join(src, file), path.join(dist, file));

const result = await esbuild.build({
  entryPoints: [path.join(src, "main.tsx")],
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "esm",
  target: ["chrome120", "firefox120", "safari17"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: true,
  logLevel: "warning",
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`dashboard built into ${path.relative(process.cwd(), dist)} (app.js: ${bytes} bytes)`);
