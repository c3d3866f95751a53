// The helper thread behind executeBlocksStatelesslySync: runs each request and wakes the blocked
// caller through the shared signal. The caller cannot notice a thread that died (it is blocked in
// Atomics.wait), so even a handler that fails to load is reported as an answer.
import { type MessagePort, workerData } from "node:worker_threads";
import type { SyncRequest, SyncResponse, SyncStatelessInput } from "./protocol.js";
import { BLOCKS_DONE, DONE } from "./signal.js";

const { port } = workerData as { port: MessagePort };

const respond = (signal: Int32Array, response: SyncResponse) => {
  port.postMessage(response);
  Atomics.store(signal, DONE, 1);
  Atomics.notify(signal, DONE);
};

type Loaded =
  | {
      readonly handle: (input: SyncStatelessInput, onBlock: () => void) => Promise<SyncResponse>;
    }
  | { readonly loadError: string };

const loaded: Promise<Loaded> = import("./handler.js").then(
  (module) => ({ handle: module.handleSyncRequest }),
  (error: unknown) => ({ loadError: error instanceof Error ? error.message : String(error) }),
);

port.on("message", async ({ input, signal }: SyncRequest) => {
  const helper = await loaded;
  if ("loadError" in helper) {
    respond(signal, {
      ok: false,
      error: { name: "Error", message: `sync helper failed to load: ${helper.loadError}` },
    });
    return;
  }
  respond(signal, await helper.handle(input, () => Atomics.add(signal, BLOCKS_DONE, 1)));
});
