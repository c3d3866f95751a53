import type { AddressInfo } from "node:net";
import { EventStream } from "../../src/http/event-stream.js";
import { buildHttpApp } from "../../src/http/http-app.js";
import { chromiumPath, launchBrowser } from "./browser.js";

/**
 * The dashboard as the prover client serves it, in front of JSON-RPC methods that answer fixed
 * records, with a browser to read it: for what a page makes of a record no prover would produce
 * on cue (the whole app runs in dashboard.test.ts).
 */
export async function dashboardAnswering(answers: Readonly<Record<string, unknown>>): Promise<{
  readonly origin: string;
  readonly browser: Awaited<ReturnType<typeof launchBrowser>>;
  close(): Promise<void>;
}> {
  chromiumPath();
  const methods = Object.fromEntries(
    Object.entries(answers).map(([name, value]) => [name, { handler: async () => value }]),
  );
  const server = await buildHttpApp({
    methods,
    maxBodyBytes: 1 << 20,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
    readiness: [],
    readinessTimeoutMs: 1_000,
    events: new EventStream(),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  return {
    origin,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
