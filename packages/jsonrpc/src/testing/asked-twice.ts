import { connect } from "node:net";

/**
 * Posts `body` to `url` on one raw keep-alive connection, calls `whileAnswered` as the answer's
 * first bytes arrive, and once the (chunked) answer is whole sends the same request again on the
 * same connection, as a client nothing told to close it would. Resolves, when the server has ended
 * the connection and `whileAnswered`'s promise has settled, with the status line of each answer
 * the connection carried: how a test sees whether a server kept a connection it should have ended.
 */
export async function statusLinesAskedTwice(
  url: string,
  body: string,
  whileAnswered: () => Promise<unknown>,
): Promise<string[]> {
  const raw =
    `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const socket = connect(Number(new URL(url).port), "127.0.0.1");
  let received = "";
  let during: Promise<unknown> | undefined;
  let sentAgain = false;
  const ended = new Promise<void>((resolve) => {
    socket.on("close", () => resolve());
    socket.on("error", () => undefined);
  });
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
    during ??= whileAnswered();
    if (!sentAgain && received.endsWith("\r\n0\r\n\r\n")) {
      sentAgain = true;
      socket.write(raw);
    }
  });
  socket.write(raw);
  await ended;
  await during;
  return received.match(/^HTTP\/1\.1 \d+/gm) ?? [];
}
