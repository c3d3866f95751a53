/**
 * What a plugin author sees when their plugin throws something other than our typed errors: a
 * settings check using zod's own `parse`, a `parseContext` or `fetchInput` throwing a value that
 * is not an Error. Each is reported naming the plugin or its task, and never breaks the service.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { container } from "tsyringe";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InvalidConfigError,
  InvalidContextError,
  PLUGIN_RPC_DEADLINE_MS,
  PLUGIN_SETTINGS,
  type PluginRpcCall,
  PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProverService,
  ProverServiceBuilder,
  TransientError,
} from "../src/index.js";
import { TestHost } from "./fixtures/test-host.js";

const memory = { database: { path: ":memory:" } };

@ProofPlugin({
  kind: "zod-parse-settings",
  program: { name: "zod-parse-settings", version: "1" },
  settings: (raw) => z.strictObject({ node_url: z.string() }).parse(raw),
})
class ZodParseSettingsPlugin implements ProofPluginHandler {
  parseContext(raw: ProofContext) {
    return raw;
  }
  async fetchInput() {
    return null;
  }
}

/** `parseContext` throws the value in `thrown`; `fetchInput` throws the value in `fetchThrows`. */
const thrown: { value: unknown } = { value: undefined };
const fetchThrows: { value: unknown } = { value: undefined };

@ProofPlugin({ kind: "throws-values", program: { name: "throws-values", version: "1" } })
class ThrowsValuesPlugin implements ProofPluginHandler {
  parseContext(raw: ProofContext): ProofContext {
    if (raw.bad === true) throw thrown.value;
    return raw;
  }
  async fetchInput(): Promise<unknown> {
    throw fetchThrows.value;
  }
}

let service: ProverService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe("a plugin that throws what is not one of our errors", () => {
  it("a settings check that throws its own error is refused as the plugin's section", () => {
    const app = container.createChildContainer();
    app.registerInstance(PLUGIN_SETTINGS, new PluginSettings({ "zod-parse-settings": { node_url: 3 } }));
    const builder = new ProverServiceBuilder({ ...memory, container: app }).register(ZodParseSettingsPlugin);
    expect(() => builder.checkPlugins()).toThrow(InvalidConfigError);
    expect(() => builder.checkPlugins()).toThrow(/^plugin_settings\.zod-parse-settings: .*expected string/s);
  });

  it("a context refused with a string, null or undefined is an InvalidContextError saying so", async () => {
    service = await new ProverServiceBuilder(memory)
      .host(new TestHost())
      .register(ThrowsValuesPlugin)
      .launch();
    for (const [value, says] of [
      ["n must be positive", "n must be positive"],
      [null, "null"],
      [undefined, "undefined"],
      [{ message: "no such block" }, "no such block"],
    ] as const) {
      thrown.value = value;
      const submitting = service.submit({ kind: "throws-values", bad: true }, "native");
      await expect(submitting).rejects.toBeInstanceOf(InvalidContextError);
      await expect(submitting).rejects.toThrow(`invalid throws-values context: ${says}`);
    }
  });

  it("a fetch failing with any value fails the task with what can be said, never leaving it running", async () => {
    service = await new ProverServiceBuilder({ ...memory, retry: { maxRetries: 0 } })
      .host(new TestHost())
      .register(ThrowsValuesPlugin)
      .launch();
    const throwingGetter = new Error("unused");
    Object.defineProperty(throwingGetter, "message", {
      get() {
        throw new Error("no message");
      },
    });
    for (const [n, value, says] of [
      [1, Object.create(null), "[object Object]"],
      [2, throwingGetter, "[object Error]"],
      [3, { code: -32000, message: "header not found" }, "header not found"],
    ] as const) {
      fetchThrows.value = value;
      const { task } = await service.submit({ kind: "throws-values", n }, "native");
      const record = await service.wait(task.id, { timeoutMs: 5_000 });
      expect(record).toMatchObject({
        status: "permanent_failure",
        error: `gave up after 0 retries: ${says}`,
      });
    }
  });
});

describe("a plugin whose report never answers", () => {
  it("is reported as an error, and the other plugins' reports still come", async () => {
    const handler = (report: () => Promise<Record<string, unknown>>) => ({
      parseContext: (raw: ProofContext) => raw,
      fetchInput: async () => null,
      report,
    });
    service = await new ProverServiceBuilder(memory)
      .host(new TestHost())
      .registerHandler(
        { kind: "hung-report", program: { name: "hung-report", version: "1" } },
        // A node that took the connection and never answers, called without a deadline.
        handler(() => new Promise(() => {})),
      )
      .registerHandler(
        { kind: "quick-report", program: { name: "quick-report", version: "1" } },
        handler(async () => ({ latest: 7 })),
      )
      .launch();
    expect(await service.pluginReports()).toEqual({
      "hung-report": { error: "its report did not answer within 5 s" },
      "quick-report": { latest: 7 },
    });
  });
});

describe("a plugin RPC method waiting on a silent node", () => {
  it("is answered at its deadline as a transient failure naming the method, not held", async () => {
    let gotSignal: AbortSignal | undefined;
    service = await new ProverServiceBuilder(memory)
      .host(new TestHost())
      .registerHandler(
        { kind: "silent-node", program: { name: "silent-node", version: "1" } },
        {
          parseContext: (raw: ProofContext) => raw,
          fetchInput: async () => null,
          rpcMethods: () => ({
            paas_lookUp: {
              description: "asks a node that took the connection and never answers",
              mutates: false,
              // As the JSON-RPC client does: the call ends only when its signal aborts.
              handler: (_params: unknown, call?: PluginRpcCall) =>
                new Promise((_, reject) => {
                  gotSignal = call?.signal;
                  call?.signal.addEventListener("abort", () =>
                    reject(new TransientError("eth_getBlockByNumber: aborted by the caller")),
                  );
                }),
            },
          }),
        },
      )
      .launch();
    const started = Date.now();
    const error = await service
      .rpcMethods()
      .get("paas_lookUp")!
      .handler([])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(
      `paas_lookUp: a node it asks did not answer within ${PLUGIN_RPC_DEADLINE_MS / 1_000} s (eth_getBlockByNumber: aborted by the caller)`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(PLUGIN_RPC_DEADLINE_MS - 50);
    expect(gotSignal?.aborted).toBe(true);
  }, 30_000);
});

describe("a plugin RPC method called many times", () => {
  it("leaves nothing behind on the service's own signal once each call ended", async () => {
    service = await new ProverServiceBuilder(memory)
      .host(new TestHost())
      .registerHandler(
        { kind: "quick-lookup", program: { name: "quick-lookup", version: "1" } },
        {
          parseContext: (raw: ProofContext) => raw,
          fetchInput: async () => null,
          rpcMethods: () => ({
            paas_quick: { description: "answers at once", mutates: false, handler: async () => 1 },
          }),
        },
      )
      .launch();
    const method = service.rpcMethods().get("paas_quick")!;
    // Heap growth over many calls: a long-lived signal that kept a trace of each (AbortSignal.any
    // on Node 20 keeps every signal it made in its sources' sets) grew by ~70 bytes a call.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const calls = async (n: number) => {
      for (let i = 0; i < n; i++) await method.handler([]);
    };
    await calls(10_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    await calls(200_000);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4_000_000);
  }, 60_000);
});
