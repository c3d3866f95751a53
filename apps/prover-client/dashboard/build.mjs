/**
 * Builds the dashboard into dist/: the script (Preact bundled in, so nothing is fetched from the
 * internet at run time) and the stylesheet as dist/assets/<name>-<content hash>.{js,css}, which the
 * server lets browsers cache for good, and index.html naming them, which it serves uncached.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import * as esbuild from "esbuild";

const here = import.meta.dirname;
const src = path.join(here, "src");
const dist = path.join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await esbuild.build({
  entryPoints: [path.join(src, "main.tsx"), path.join(src, "style.css")],
  outdir: dist,
  entryNames: "assets/[name]-[hash]",
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

/** The built file of each entry point, relative to dist/ ("assets/main-<content hash>.js"). */
const built = new Map();
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint)
    built.set(path.basename(meta.entryPoint), { file: path.relative(dist, output), bytes: meta.bytes });
}
const script = built.get("main.tsx");
const style = built.get("style.css");
const html = (await readFile(path.join(src, "index.html"), "utf8"))
  .replace('src="main.js"', `src="${script.file}"`)
  .replace('href="style.css"', `href="${style.file}"`);
if (!html.includes(script.file) || !html.includes(style.file)) {
  throw new Error(
    "src/index.html must load main.js and style.css, which the build replaces by their built names",
  );
}
await writeFile(path.join(dist, "index.html"), html);
console.log(
  `dashboard built into ${path.relative(process.cwd(), dist)}: ${script.file} (${script.bytes} bytes), ${style.file}`,
);
