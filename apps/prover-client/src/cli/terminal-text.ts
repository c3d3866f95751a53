/**
 * Control characters other than newline and tab, and the bidirectional overrides. Text the CLI
 * prints can come from elsewhere — an error a node answered, a plugin's report — and an escape
 * sequence in it would move the cursor, rewrite what the operator reads or set the terminal's
 * title; an override would show text in another order than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with each of those characters written as its JSON escape (`\u001b`): shown, not obeyed,
 * and lossless where the text is JSON (`--json`), which never holds them raw otherwise.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
