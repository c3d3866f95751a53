/**
 * An HTTP answer's body, or "too-large" as soon as it passes `maxBytes`: leaving the loop destroys
 * the stream, so the rest of an oversized answer is never read or buffered. The one reader of
 * answers for our HTTP clients (JSON-RPC, remote provers).
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<Buffer | "too-large"> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
