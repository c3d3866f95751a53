/**
 * Reads a response body as text, giving up past `maxBytes`; leaving the loop early destroys the
 * stream, so the rest of a too-large answer is never buffered.
 */
export async function readTextCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<string | "too-large"> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
