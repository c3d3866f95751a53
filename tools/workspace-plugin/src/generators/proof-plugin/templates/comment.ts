/** Text safe inside a `/** … *\/` comment. */
export const inComment = (text: string) => text.replaceAll("*/", "* /");

/**
 * The body lines of a JSDoc comment (` * …`), each paragraph word-wrapped at `width` columns
 * counting the indentation. A paragraph starting with "- " is a list item, continued indented.
 */
export function commentLines(paragraphs: readonly string[], indent = "", width = 100): string {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    const continuation = paragraph.startsWith("- ") ? "  " : "";
    let line = "";
    for (const word of inComment(paragraph).trim().split(/\s+/)) {
      if (line === "") {
        line = word;
      } else if (`${indent} * ${line} ${word}`.length > width) {
        lines.push(`${indent} * ${line}`);
        line = `${continuation}${word}`;
      } else {
        line = `${line} ${word}`;
      }
    }
    lines.push(`${indent} * ${line}`);
  }
  return lines.join("\n");
}
