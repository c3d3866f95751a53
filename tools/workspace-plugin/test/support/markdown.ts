/** The fenced code blocks of a Markdown text, in order, with their info string (`sh`, `toml`). */
export function fencedBlocks(markdown: string): { readonly lang: string; readonly body: string }[] {
  return [...markdown.matchAll(/^```([\w-]*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => ({
    lang: m[1] ?? "",
    body: m[2] ?? "",
  }));
}

const SHELL = new Set(["sh", "bash", "shell", "console"]);

/**
 * Every command of the shell blocks, in order: one per line, lines ending in `\` joined with the
 * next, blank lines and `#` comments left out.
 */
export function shellCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of fencedBlocks(markdown).filter((b) => SHELL.has(b.lang))) {
    let pending = "";
    for (const line of block.body.split("\n")) {
      const text = `${pending}${line.trim()}`;
      if (text.endsWith("\\")) {
        pending = `${text.slice(0, -1).trimEnd()} `;
        continue;
      }
      pending = "";
      if (text !== "" && !text.startsWith("#")) commands.push(text);
    }
    if (pending.trim() !== "") commands.push(pending.trim());
  }
  return commands;
}

/** The kinds the commands generate for real (not with `--dry-run`), in order. */
export function generatedKinds(commands: readonly string[]): string[] {
  return commands
    .filter((c) => !/\s--dry-run\b/.test(c))
    .map((c) => /\bnx g(?:enerate)? @paas\/tools:proof-plugin\s+([a-z0-9-]+)/.exec(c)?.[1])
    .filter((kind): kind is string => kind !== undefined);
}
