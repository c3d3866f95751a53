/**
 * A receipt of many MB crosses a slow link in more than a status poll's deadline: the client
 * gives its download time for its size, as it gives an upload time for its body.
 */
import { connect, createServer, type Server } from "node:net";
import { HttpRemoteProver, RemoteHost } from "@paas/zkvm";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { largeOutputProgram, TEST_PROGRAMS } from "./fixtures/programs.js";
import { startTestServer, type TempDir, TOKEN, tempDir } from "./helpers.js";

/** Bytes per second the proxy lets through from the server to the client. */
const LINK_BYTES_PER_SECOND = 2 * 1024 * 1024;

let data: TempDir;
let server: ProverServer | undefined;
let proxy: Server | undefined;

beforeEach(() => {
  data = tempDir();
});

afterEach(async () => {
  proxy?.close();
  proxy = undefined;
  await server?.close();
  server = undefined;
  data.remove();
});

/** A TCP proxy to `target` that sends the server's bytes on at `LINK_BYTES_PER_SECOND`; its URL. */
async function slowLinkTo(target: URL): Promise<string> {
  proxy = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      upstream.pause();
      const ms = (chunk.length / LINK_BYTES_PER_SECOND) * 1_000;
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
        upstream.resume();
      }, ms);
    });
    upstream.on("end", () => client.end());
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy!.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  return `http://127.0.0.1:${port}/`;
}

it("fetches a receipt that takes longer than the request timeout to cross the link", {
  timeout: 60_000,
}, async () => {
  server = await startTestServer(data.dir, { programs: [...TEST_PROGRAMS, largeOutputProgram] });
  const url = await slowLinkTo(new URL(server.url));
  const host = new RemoteHost({
    backend: "prover-net",
    // Polls answer at once; the 4 MiB receipt takes 2 s at this link's rate.
    prover: new HttpRemoteProver({ url, token: TOKEN, requestTimeoutMs: 1_000 }),
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
  });
  const receipt = await host.prove(largeOutputProgram, 4 * 1024 * 1024, {
    signal: new AbortController().signal,
  });
  expect(receipt.publicValues.length).toBe(4 * 1024 * 1024);
});
