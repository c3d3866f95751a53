/** Reads a response body as text, giving up (and cancelling the stream) past `maxBytes`. */
export async function readTextCapped(response: Response, maxBytes: number): Promise<string | "too-large"> {
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
