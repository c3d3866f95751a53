/**
 * An HTTP answer's body, or "too-large" as soon as it passes `maxBytes`: leaving the loop destroys
 * the stream, so the rest of an oversized answer is never read or buffered. The one reader of
 * answers for our HTTP clients (JSON-RPC, remote provers). `take`, when given, is told of each
 * chunk kept; while the promise it may return is pending, no more of the body is read (see
 * `AnswerBudget` in @paas/jsonrpc), and its rejection is the read's.
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  take?: (bytes: number) => Promise<void> | undefined,
): Promise<Buffer | "too-large"> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return "too-large";
    const wait = take?.(chunk.byteLength);
    if (wait) await wait;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
