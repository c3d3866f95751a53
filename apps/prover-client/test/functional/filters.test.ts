/**
 * A list or bulk filter names a kind or backend that exists: a misspelt one is refused, not
 * answered "no tasks"; one this instance no longer has is still a filter while tasks are stored
 * under it (a backend removed from the configuration, or another instance's in a cluster).
 */
import { type JsonRpcClient, JsonRpcPermanentError } from "@paas/jsonrpc";
import { afterAll, expect, it } from "vitest";
import { rpc, startApp, tempDatadir } from "../../scenarios/app.js";
import type { ProverApp } from "../../src/app/build-app.js";
import { loadConfig } from "../../src/config/load-config.js";

const data = tempDatadir();
let app: ProverApp | undefined;

afterAll(async () => {
  await app?.close();
  data.remove();
});

const configWith = (extra: readonly string[]) =>
  loadConfig({
    overrides: [`datadir="${data.dir}"`, "rpc.port=0", "progress.enabled=false", ...extra],
  });

async function refusal(
  client: JsonRpcClient,
  method: string,
  filter: object,
): Promise<JsonRpcPermanentError> {
  const error = await client.call(method, [filter]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${method} ${JSON.stringify(filter)}`).toBeInstanceOf(JsonRpcPermanentError);
  return error as JsonRpcPermanentError;
}

it("filters on a backend removed from the configuration while tasks are stored under it", {
  timeout: 90_000,
}, async () => {
  const spare = ['backends.native.type="native"', 'backends.spare.type="native"', "backends.spare.workers=1"];
  app = await startApp(configWith(spare));
  let client = rpc(app);
  const { id } = await client.call<{ id: string }>("paas_submitTask", [
    { kind: "checkpoint", index: 0 },
    "spare",
  ]);
  await app.close();

  app = await startApp(configWith([]));
  client = rpc(app);
  expect(app.service.backends()).toEqual(["native"]);
  const listed = await client.call<{ tasks: { id: string }[] }>("paas_listTasks", [{ backend: "spare" }]);
  expect(listed.tasks.map((t) => t.id)).toEqual([id]);

  for (const method of ["paas_listTasks", "paas_cancelTasks", "paas_retryTasks"]) {
    const error = await refusal(client, method, { backend: "spore" });
    expect(error.rpcCode).toBe(-32013);
    expect(error.message).toContain('backend "spore" is not configured (configured: native)');
  }
  const kind = await refusal(client, "paas_listTasks", { kind: "checkpont" });
  expect(kind.rpcCode).toBe(-32012);
});
