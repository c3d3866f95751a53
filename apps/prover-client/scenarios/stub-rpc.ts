import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A JSON-RPC call as a stand-in prover client received it. */
export interface StubCall {
  readonly method: string;
  readonly params: unknown;
  /** The request's Authorization header, as sent. */
  readonly authorization: string | undefined;
}

/** What the stand-in answers a call with: a result, or a JSON-RPC error. */
export type StubAnswer = { readonly result: unknown } | { readonly error: { code: number; message: string } };

/**
 * A stand-in prover client on loopback that answers each JSON-RPC call (one per request) with what
 * `answer` says, for CLI tests of what a command does with an answer the real one would not give on
 * cue: a late one, a refusal, a large receipt, a view that changes at every call.
 */
export async function stubProverRpc(
  answer: (call: StubCall) => StubAnswer | Promise<StubAnswer>,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown };
      const answered = await answer({ method, params, authorization: req.headers.authorization });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, ...answered }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
