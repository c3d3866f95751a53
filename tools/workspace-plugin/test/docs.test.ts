/**
 * docs/adding-a-proof-type.md stays true: every command of its `sh` blocks runs, in order, in a copy
 * of the workspace (a real `nx g`, `npm install`, and the new projects' lint, typecheck, tests and
 * examples); a `--dry-run` writes nothing; the prover client reads the doc's `toml` block with its
 * own config loader and loads the generated plugin packages by name; an existing name is refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fencedBlocks, generatedKinds, shellCommands } from "./support/markdown.js";
import { type CommandResult, Sandbox, WORKSPACE_ROOT } from "./support/sandbox.js";

const DOC = "docs/adding-a-proof-type.md";
const markdown = readFileSync(join(WORKSPACE_ROOT, DOC), "utf8");
const commands = shellCommands(markdown);
const kinds = generatedKinds(commands);

let sandbox: Sandbox;
const results: CommandResult[] = [];

/** The command's output, without stack frames (which the test runner would try to map to sources). */
const explain = (r: CommandResult) =>
  `\`${r.command}\` exited ${r.status}:\n${r.output
    .split("\n")
    .filter((line) => !/^\s+at /.test(line))
    .join("\n")
    .slice(-4_000)}`;

beforeAll(() => {
  sandbox = Sandbox.create({ withoutPlugins: kinds });
});

afterAll(() => {
  sandbox?.dispose();
  for (const r of results) console.log(`${String(r.ms).padStart(6)} ms  ${r.command}`);
});

describe(DOC, () => {
  it("has commands to run, generating at least one plugin", () => {
    expect(commands.length).toBeGreaterThan(0);
    expect(kinds.length).toBeGreaterThan(0);
  });

  it("runs every command of its sh blocks, in order, in a copy of the workspace", () => {
    for (const command of commands) {
      const before = /\s--dry-run\b/.test(command) ? sandbox.files() : undefined;
      const result = sandbox.run(command, { timeoutMs: 180_000 });
      results.push(result);
      expect(result.status, explain(result)).toBe(0);
      if (before) expect(sandbox.files(), `${command} wrote files`).toEqual(before);
    }
    for (const kind of kinds) {
      expect(sandbox.files()).toContain(`plugins/${kind}/src/plugin.ts`);
    }
  });

  it("lists exactly the files the generator wrote", () => {
    const listings = fencedBlocks(markdown).filter(
      (b) => b.lang === "" && /^plugins\/[a-z0-9-]+\/\n/.test(b.body),
    );
    expect(listings.length).toBeGreaterThan(0);
    for (const listing of listings) {
      const [head = "", ...lines] = listing.body.trimEnd().split("\n");
      const listed = lines.map((line) => `${head}${line.trim().split(/\s+/)[0]}`).sort();
      const written = sandbox.files().filter((f) => f.startsWith(head));
      expect(written).toEqual(listed);
    }
  });

  it("its toml config makes the prover client load and compose the generated plugins", () => {
    const tomls = fencedBlocks(markdown).filter((b) => b.lang === "toml");
    expect(tomls.length).toBeGreaterThan(0);
    for (const [i, toml] of tomls.entries()) {
      const file = join(sandbox.root, `paas-doc-${i}.toml`);
      writeFileSync(file, toml.body);
      const listed = kinds.map((k) => `@paas/plugin-${k}`).filter((p) => toml.body.includes(`"${p}"`));
      expect(listed.length, `the toml block ${i} lists no generated plugin`).toBeGreaterThan(0);
      // As the app runs: tsx from apps/prover-client, with the workspace's decorator settings for
      // the plugin packages outside it (tsx applies a tsconfig only to the files it includes).
      const result = sandbox.run(
        [
          `TSX_TSCONFIG_PATH=${join(sandbox.root, "tsconfig.base.json")}`,
          "node",
          "--conditions=@paas/source",
          "--import",
          "tsx",
        ]
          .concat(["../../tools/workspace-plugin/test/fixtures/load-in-prover-client.ts", sandbox.root, file])
          .concat(listed)
          .join(" "),
        { cwd: "apps/prover-client", timeoutMs: 60_000 },
      );
      results.push(result);
      expect(result.status, explain(result)).toBe(0);
      const loaded = JSON.parse(result.output.trim().split("\n").at(-1) ?? "{}") as { kinds?: string[] };
      expect(loaded.kinds).toEqual(expect.arrayContaining(listed.map((p) => p.replace("@paas/plugin-", ""))));
    }
  });

  it("refuses to generate a name that now exists", () => {
    const result = sandbox.run(`npx nx g @paas/tools:proof-plugin ${kinds[0]} --dry-run`);
    results.push(result);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`"${kinds[0]}" already exists`);
  });
});
