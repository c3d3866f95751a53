// The helper thread behind executeBlocksStatelesslySync. Plain JavaScript, so that it starts
// under any parent (tsx, vitest, a worker pool): it loads the TypeScript handler through tsx's API.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { port } = workerData;

const respond = (signal, response) => {
  port.postMessage(response);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
};

const loaded = tsImport("./handler.ts", import.meta.url).then(
  (module) => ({ handle: module.handleSyncRequest }),
  (error) => ({ loadError: error instanceof Error ? error.message : String(error) }),
);

port.on("message", async ({ input, signal }) => {
  const { handle, loadError } = await loaded;
  if (loadError !== undefined) {
    respond(signal, {
      ok: false,
      error: { name: "Error", message: `sync helper failed to load: ${loadError}` },
    });
    return;
  }
  respond(signal, await handle(input));
});
