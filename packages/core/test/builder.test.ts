import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { container, inject } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DuplicateKindError,
  InvalidConfigError,
  LOGGER,
  PLUGIN_SETTINGS,
  type PluginLogger,
  type PluginRpcMethod,
  PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  ProverServiceBuilder,
  parsePluginSettings,
  pluginCatalogue,
  UnknownKindError,
} from "../src/index.js";
import { TestHost } from "./fixtures/test-host.js";
import { LeafPlugin, NodePlugin, SCRIPT, TestScript } from "./fixtures/test-plugins.js";

const memory = { database: { path: ":memory:" } };

function withScript() {
  const child = container.createChildContainer();
  child.registerInstance(SCRIPT, new TestScript());
  return child;
}

describe("@ProofPlugin and the catalogue", () => {
  it("enters decorated plugins in the catalogue by kind at import time", () => {
    expect(pluginCatalogue.kinds()).toEqual(expect.arrayContaining(["leaf", "node", "published"]));
    expect(pluginCatalogue.get("leaf")?.pluginClass).toBe(LeafPlugin);
    expect(pluginCatalogue.get("leaf")?.program).toEqual({ name: "leaf-program", version: "1" });
  });

  it("refuses a second plugin class for a kind already claimed", () => {
    expect(() => {
      @ProofPlugin({ kind: "leaf", program: { name: "other", version: "1" } })
      class OtherLeaf implements ProofPluginHandler {
        parseContext(raw: ProofContext) {
          return raw;
        }
        async fetchInput() {
          return null;
        }
      }
      return OtherLeaf;
    }).toThrow(DuplicateKindError);
  });

  it("refuses a kind that is not lower-case words joined by dashes", () => {
    expect(() => ProofPlugin({ kind: "Bad Kind", program: { name: "x", version: "1" } })).toThrow(
      InvalidConfigError,
    );
  });
});

describe("ProverServiceBuilder", () => {
  it("refuses the same kind registered twice, at once", () => {
    const builder = new ProverServiceBuilder(memory).register(LeafPlugin);
    expect(() => builder.register("leaf")).toThrow(DuplicateKindError);
    expect(() => builder.register("leaf")).toThrow(
      'kind "leaf" is claimed by both LeafPlugin and LeafPlugin',
    );
  });

  it("refuses a kind nobody imported, naming the ones it knows", () => {
    expect(() => new ProverServiceBuilder(memory).register("checkpoint")).toThrow(UnknownKindError);
    expect(() => new ProverServiceBuilder(memory).register("checkpoint")).toThrow(/registered: .*leaf/);
  });

  it("refuses a class that is not a proof plugin", () => {
    class NotAPlugin {}
    expect(() => new ProverServiceBuilder(memory).register(NotAPlugin as never)).toThrow(
      /decorate it with @ProofPlugin/,
    );
  });

  it("fails at launch when there is no host, or no plugin", async () => {
    await expect(new ProverServiceBuilder(memory).register(LeafPlugin).launch()).rejects.toThrow(
      /no backends/,
    );
    await expect(new ProverServiceBuilder(memory).host(new TestHost()).launch()).rejects.toThrow(
      /no proof plugins/,
    );
  });

  it("opens the database ahead of launch, which takes it over; it is closed whichever way the app goes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "paas-open-ahead-"));
    const file = { database: { path: path.join(dir, "paas.sqlite") }, container: withScript() };
    const second = () => new ProverServiceBuilder(file).host(new TestHost()).register(LeafPlugin);
    try {
      // Given up before launch: closed by the function openDatabase returned.
      const given = second();
      const close = await given.openDatabase();
      await expect(second().openDatabase()).rejects.toMatchObject({ code: "DATABASE_IN_USE" });
      await close();
      await (await second().openDatabase())();

      // Launch refused before it took the database over (no plugin): still the app's to close.
      const refused = new ProverServiceBuilder(file).host(new TestHost());
      const closeRefused = await refused.openDatabase();
      await expect(refused.launch()).rejects.toThrow(/no proof plugins/);
      await closeRefused();

      // Launched: the service closes it, and the app's close does nothing more.
      const launched = second();
      const closeLaunched = await launched.openDatabase();
      const service = await launched.launch();
      await closeLaunched();
      await expect(second().openDatabase()).rejects.toMatchObject({ code: "DATABASE_IN_USE" });
      await service.close();
      await (await second().openDatabase())();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks plugin settings before it opens anything: a plugin's own check, and no section for a kind nobody registered", async () => {
    @ProofPlugin({
      kind: "tuned",
      program: { name: "tuned", version: "1" },
      settings: (raw) => parsePluginSettings("tuned", z.strictObject({ depth: z.int().min(1) }), raw),
    })
    class TunedPlugin implements ProofPluginHandler {
      parseContext(raw: ProofContext) {
        return raw;
      }
      async fetchInput() {
        return null;
      }
    }
    const dir = mkdtempSync(path.join(tmpdir(), "paas-settings-"));
    const file = path.join(dir, "paas.sqlite");
    const builderWith = (settings: Record<string, unknown>) => {
      const child = withScript();
      child.registerInstance(PLUGIN_SETTINGS, new PluginSettings(settings));
      return new ProverServiceBuilder({ database: { path: file }, container: child })
        .host(new TestHost())
        .register(LeafPlugin)
        .register(TunedPlugin);
    };
    try {
      await expect(builderWith({ tuned: { depth: 0 } }).openDatabase()).rejects.toThrow(
        /plugin_settings\.tuned: [\s\S]*at depth/,
      );
      await expect(builderWith({ tunde: { depth: 2 } }).launch()).rejects.toThrow(
        'plugin_settings.tunde: no plugin registered for kind "tunde" (registered: leaf, tuned)',
      );
      // Refused before the database was opened: nothing was created.
      expect(existsSync(file)).toBe(false);
      const service = await builderWith({ tuned: { depth: 2 } }).launch();
      await service.close();
      expect(existsSync(file)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands a kind without a section an empty one, whatever the kind is named", async () => {
    // "constructor" is a valid kind and a property every object has: the section is not that.
    @ProofPlugin({
      kind: "constructor",
      program: { name: "constructor", version: "1" },
      settings: (raw) =>
        parsePluginSettings("constructor", z.strictObject({ depth: z.int().default(1) }), raw),
    })
    class ConstructorKindPlugin implements ProofPluginHandler {
      parseContext(raw: ProofContext) {
        return raw;
      }
      async fetchInput() {
        return null;
      }
    }
    const child = container.createChildContainer();
    child.registerInstance(PLUGIN_SETTINGS, new PluginSettings({}));
    const service = await new ProverServiceBuilder({ ...memory, container: child })
      .host(new TestHost())
      .register(ConstructorKindPlugin)
      .launch();
    await service.close();
  });

  it("refuses, before it opens anything, a plugin whose dependencies' kinds no plugin proves", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "paas-depends-"));
    const file = path.join(dir, "paas.sqlite");
    const handler = { parseContext: (raw: ProofContext) => raw, fetchInput: async () => null };
    const aggregate = { kind: "aggregate", program: { name: "aggregate", version: "1" } };
    try {
      const lonely = new ProverServiceBuilder({ database: { path: file }, container: withScript() })
        .host(new TestHost())
        .register(LeafPlugin)
        .registerHandler({ ...aggregate, dependsOn: ["leaf", "epoch", "block"] }, handler);
      await expect(lonely.launch()).rejects.toThrow(
        new InvalidConfigError(
          'plugin "aggregate" depends on proofs of "epoch" and "block", which no registered plugin makes (registered: leaf, aggregate): add their plugins',
        ),
      );
      expect(existsSync(file)).toBe(false);
      const composed = await new ProverServiceBuilder({ database: { path: file }, container: withScript() })
        .host(new TestHost())
        .register(LeafPlugin)
        .registerHandler({ ...aggregate, dependsOn: ["leaf"] }, handler)
        .launch();
      await composed.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses at launch an RPC method two plugins contribute, naming both", async () => {
    const method = { description: "says hello", mutates: false, handler: async () => "hello" };
    const handler = {
      parseContext: (raw: ProofContext) => raw,
      fetchInput: async () => null,
      rpcMethods: () => ({ hello_say: method }),
    };
    const launch = new ProverServiceBuilder({ ...memory, container: withScript() })
      .host(new TestHost())
      .registerHandler({ kind: "greeter-a", program: { name: "greeter-a", version: "1" } }, handler)
      .registerHandler({ kind: "greeter-b", program: { name: "greeter-b", version: "1" } }, handler)
      .launch();
    await expect(launch).rejects.toThrow(
      'RPC method hello_say is contributed by both plugin "greeter-a" and plugin "greeter-b"',
    );
  });

  it("refuses at launch an RPC method that does not say whether it changes state, naming it", async () => {
    // A plugin in plain JavaScript: nothing makes it set `mutates`, and a method without it was
    // served as a read, with no bearer token asked.
    const method = { description: "submits", handler: async () => "submitted" } as unknown as PluginRpcMethod;
    const launch = new ProverServiceBuilder({ ...memory, container: withScript() })
      .host(new TestHost())
      .registerHandler(
        { kind: "greeter", program: { name: "greeter", version: "1" } },
        {
          parseContext: (raw: ProofContext) => raw,
          fetchInput: async () => null,
          rpcMethods: () => ({ greeter_submit: method }),
        },
      )
      .launch();
    await expect(launch).rejects.toThrow(
      'RPC method greeter_submit of plugin "greeter" must say whether it changes state: mutates: true (it then needs the bearer token) or false',
    );
  });

  it("fails at launch when the container cannot supply a plugin's collaborators", async () => {
    const launch = new ProverServiceBuilder({ ...memory, container: container.createChildContainer() })
      .host(new TestHost())
      .register(NodePlugin)
      .launch();
    await expect(launch).rejects.toThrow(/cannot construct plugin NodePlugin \(kind "node"\)/);
  });

  it("fails at launch when a resolver has no host for a kind on its backend", async () => {
    const host = new TestHost("native");
    const launch = new ProverServiceBuilder({ ...memory, container: withScript() })
      .hosts({
        backends: () => [{ backend: "native", concurrency: 1 }],
        hostFor: (kind) => (kind === "leaf" ? host : undefined),
      })
      .register(LeafPlugin)
      .register(NodePlugin)
      .launch();
    await expect(launch).rejects.toThrow('no host for kind "node" on backend "native"');
  });

  it("injects collaborators from the app's container into plugins", async () => {
    class Greeting {
      constructor(readonly text: string) {}
    }
    @ProofPlugin({ kind: "greeter", program: { name: "greeter", version: "1" } })
    class GreeterPlugin implements ProofPluginHandler {
      constructor(@inject(Greeting) private readonly greeting: Greeting) {}
      parseContext(raw: ProofContext) {
        return raw;
      }
      async fetchInput() {
        return this.greeting.text;
      }
    }
    const child = container.createChildContainer();
    child.registerInstance(Greeting, new Greeting("hello"));
    const host = new TestHost();
    const service = await new ProverServiceBuilder({ ...memory, container: child })
      .host(host)
      .register(GreeterPlugin)
      .launch();
    const { task } = await service.submit({ kind: "greeter" }, "native");
    await service.wait(task.id, { timeoutMs: 5_000 });
    expect(host.proveCalls).toEqual([{ program: "greeter", input: "hello" }]);
    await service.close();
  });

  it("hands each plugin a child of the app's logger that names the plugin", async () => {
    const lines: { bindings: Record<string, unknown>; message: string }[] = [];
    const loggerWith = (bindings: Record<string, unknown>): PluginLogger => {
      const write = (_fields: object, message: string) => lines.push({ bindings, message });
      return {
        debug: write,
        info: write,
        warn: write,
        error: write,
        child: (more) => loggerWith({ ...bindings, ...more }),
      };
    };
    @ProofPlugin({ kind: "chatty", program: { name: "chatty", version: "1" } })
    class ChattyPlugin implements ProofPluginHandler {
      constructor(@inject(LOGGER) private readonly logger: PluginLogger) {}
      parseContext(raw: ProofContext) {
        return raw;
      }
      async fetchInput() {
        this.logger.info({}, "fetching");
        return null;
      }
    }
    const child = container.createChildContainer();
    child.registerInstance(LOGGER, loggerWith({ app: "test" }));
    const service = await new ProverServiceBuilder({ ...memory, container: child })
      .host(new TestHost())
      .register(ChattyPlugin)
      .launch();
    const { task } = await service.submit({ kind: "chatty" }, "native");
    await service.wait(task.id, { timeoutMs: 5_000 });
    await service.close();
    expect(lines).toContainEqual({ bindings: { app: "test", plugin: "chatty" }, message: "fetching" });
  });

  it("validates the retry policy, concurrency, prefetch, leases and polling", async () => {
    const base = () =>
      new ProverServiceBuilder({ ...memory, container: withScript() })
        .host(new TestHost())
        .register(LeafPlugin);
    await expect(
      new ProverServiceBuilder({ ...memory, retry: { multiplier: 0.5 } })
        .host(new TestHost())
        .register(LeafPlugin)
        .launch(),
    ).rejects.toThrow(/multiplier must be >= 1/);
    await expect(
      new ProverServiceBuilder({ ...memory, concurrency: { sp1: 2 } })
        .host(new TestHost())
        .register(LeafPlugin)
        .launch(),
    ).rejects.toThrow(/concurrency given for backend "sp1", which has no host/);
    await expect(
      new ProverServiceBuilder({ ...memory, prefetch: { depth: -1 } })
        .host(new TestHost())
        .register(LeafPlugin)
        .launch(),
    ).rejects.toThrow(/prefetch depth must be a non-negative integer, got -1/);
    // A lease of 0 is lapsed as it is taken; a poll of 0 is a busy loop; past 2^31 - 1 ms a timer fires at once.
    for (const [options, message] of [
      [{ leaseMs: 0 }, "leaseMs must be an integer from 100 to 2147483647, got 0"],
      [{ pollIntervalMs: 0 }, "pollIntervalMs must be an integer from 10 to 2147483647, got 0"],
      [{ waitForChainMs: 3e9 }, "waitForChainMs must be an integer from 0 to 2147483647, got 3000000000"],
      [{ maxInterruptions: 1.5 }, "maxInterruptions must be an integer from 0 to 9007199254740991, got 1.5"],
    ] as const) {
      await expect(
        new ProverServiceBuilder({ ...memory, ...options })
          .host(new TestHost())
          .register(LeafPlugin)
          .launch(),
      ).rejects.toThrow(message);
    }
    const service = await base().launch();
    expect(service.backends()).toEqual(["native"]);
    expect(service.kinds()).toEqual(["leaf"]);
    await service.close();
  });
});
