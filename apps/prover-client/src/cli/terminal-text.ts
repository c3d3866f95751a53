/**
 * Control characters other than newline and tab. Text the CLI prints can come from elsewhere — an
 * error a node answered, a plugin's report — and an escape sequence in it would move the cursor,
 * rewrite what the operator reads, or set the terminal's title.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every control character but newline and tab shown as U+FFFD. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, "\ufffd");
}
