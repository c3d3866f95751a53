import type { NormalizedOptions } from "../options.js";

/** The generated test (with @paas/testing) and the runnable example. */

const N = 3;

/** Declarations shared by the test and the example: dependency contexts, the context, stand-ins. */
function fixtures(o: NormalizedOptions, n: number): string {
  const rollup = o.dependencies.filter((d) => d.rollup);
  const sampleContexts = rollup.map((d) => `const ${d.constant}_CONTEXT = ${d.rollup?.sample};\n`).join("");
  const contextFields = rollup.map((d) => `, ${d.field}: ${d.constant}_CONTEXT`).join("");
  const context = `const CONTEXT = { kind: ${o.constant}.kind, n: ${n}${contextFields} };\n`;
  if (o.dependencies.length === 0) return context;
  const standIns = o.dependencies.map((d) =>
    d.rollup
      ? `  {
    kind: rollup.${d.constant}.kind,
    program: rollup.${d.constant}.program,
    publicValues: publicValuesOf,
    parseContext: (raw) => rollup.${d.rollup.schema}.parse(raw),
  },`
      : `  { kind: ${d.constant}.kind, program: ${d.constant}.program, publicValues: publicValuesOf },`,
  );
  return `${sampleContexts}${context}
/**
 * The public values the stand-ins sign for a dependency. Any bytes do for the generated guest, which
 * verifies the receipts and commits their public values unread; once the guest decodes them, return
 * what the real proof type commits (for the rollup's, the SSZ of its output type).
 */
const publicValuesOf = (context: ProofContext) => new TextEncoder().encode(canonicalContext(context));

/**
 * The proof types ${o.kind} depends on, stood in for: their tasks "prove" by having the harness sign
 * \`publicValuesOf(context)\` under the dependency's real program identity${rollup.length > 0 ? ", and the rollup's check\n * their contexts with @paas/rollup's schemas, as the real plugins would" : ""}.
 */
const STAND_INS: StandIn[] = [
${standIns.join("\n")}
];
`;
}

function imports(o: NormalizedOptions, forTest: boolean): string {
  const deps = o.dependencies;
  const hasDeps = deps.length > 0;
  const hasRollup = deps.some((d) => d.rollup);
  const testing = ["createPluginHarness", "createStubRpc"];
  if (forTest) testing.push("type PluginHarness");
  if (hasDeps) testing.push("type StandIn");
  if (forTest) testing.push("type StubRpc");
  const fromSrc = [o.constant, `${o.pascal}Plugin`, "VALUE_METHOD"];
  if (forTest) fromSrc.push("DEFAULT_HORIZON", `${o.camel}Program`);
  const fromDependencies = deps.filter((d) => !d.rollup).map((d) => d.constant);
  return [
    hasDeps ? `import { canonicalContext, type ProofContext } from "@paas/core";` : "",
    hasRollup ? `import * as rollup from "@paas/rollup";` : "",
    `import { ${testing.join(", ")} } from "@paas/testing";`,
    forTest ? `import { afterEach, beforeEach, describe, expect, it } from "vitest";` : "",
    fromDependencies.length > 0
      ? `import { ${fromDependencies.join(", ")} } from "../src/dependencies.js";`
      : "",
    `import { ${fromSrc.join(", ")} } from "../src/index.js";`,
    `import { ${o.camel}NodeHandlers } from "../src/testing.js";`,
  ]
    .filter((line) => line !== "")
    .join("\n");
}

export function testTs(o: NormalizedOptions): string {
  const deps = o.dependencies;
  const hasDeps = deps.length > 0;
  const standIns = hasDeps ? "\n    standIns: STAND_INS," : "";
  const expectedDeps = deps
    .map((d) =>
      d.rollup
        ? `,\n      ${d.field}: publicValuesOf(${d.constant}_CONTEXT)`
        : `,\n      ${d.field}: publicValuesOf({ kind: ${d.constant}.kind, n: ${N} })`,
    )
    .join("");
  return `/**
 * The ${o.kind} plugin in isolation: the real scheduler and native host from @paas/testing, a stub
 * JSON-RPC node in place of the real one${hasDeps ? ", and stand-ins for the proof types it depends on" : ""}.
 */
${imports(o, true)}

/** The stub node answers \`n + 10\` for \`n\`, and its latest \`n\` is 100. */
const served = (n: number) => n + 10;
const LATEST = 100;

${fixtures(o, N)}
/** \`[plugin_settings.${o.kind}]\` as the prover client passes it: the plugin builds its node client from it. */
const settingsFor = (url: string) => ({ [${o.constant}.kind]: { node_url: url, timeout_ms: 500 } });

let node: StubRpc;
let harness: PluginHarness;

beforeEach(async () => {
  node = await createStubRpc(${o.camel}NodeHandlers(served, () => LATEST));
  harness = await createPluginHarness({
    plugins: [${o.pascal}Plugin],
    pluginSettings: settingsFor(node.url),${standIns}
  });
});

afterEach(async () => {
  await harness.close();
  await node.close();
});

describe("${o.kind}", () => {
  it("proves the value the node serves${hasDeps ? ", bound to the dependencies it verified" : ""}", async () => {
    const { record, output } = await harness.prove(CONTEXT);
    expect(record.status).toBe("completed");
    expect(output).toEqual({
      n: ${N},
      value: served(${N})${expectedDeps},
    });
  });

  it("retries when the node fails, within the call and then as a task, and proves once it answers", async () => {
    // A call tries four times; five failures make the first attempt fail and the task retry.
    node.failNext({ mode: "http500" }, { method: VALUE_METHOD, times: 5 });
    const { record } = await harness.prove(CONTEXT);
    expect(record.status).toBe("completed");
    expect(harness.statusesOf(CONTEXT).filter((s) => s === "transient_failure")).toHaveLength(1);
    expect(node.callsOf(VALUE_METHOD).map((c) => c.outcome)).toEqual([...Array(5).fill("http500"), "ok"]);
  });

  it("waits, without using up a retry, while the node has no value yet, and proves once it has", async () => {
    let asked = 0;
    node.handle(VALUE_METHOD, (params) => (++asked === 1 ? null : served((params as [number])[0])));
    const { record } = await harness.prove(CONTEXT);
    expect(record.status).toBe("completed");
    const waits = harness.transitions.filter(
      (t) => t.id === harness.keyOf(CONTEXT) && t.to === "transient_failure",
    );
    // A wait for the node, not a failure: no retry counted, and the prover client's metrics count none.
    expect(waits.map((t) => [t.waiting, t.retryCount])).toEqual([[true, 0]]);
    expect(waits[0]?.error).toMatch(/has no value yet/);
  });

  it("fails permanently, without retrying, when the node answers something else", async () => {
    node.handle(VALUE_METHOD, () => -1);
    const { record } = await harness.prove(CONTEXT);
    expect(record).toMatchObject({ status: "permanent_failure", error: expect.stringContaining("-1") });
    expect(node.callsOf(VALUE_METHOD)).toHaveLength(1);
  });

  it("has the guest itself refuse a value that is not a natural number, whatever the fetcher let through", async () => {
    // The proof's statement is the guest's check: proven directly, past the fetcher's own check.
    const input = { n: ${N}, value: -1${hasDeps ? ", receipts: []" : ""} };
    await expect(harness.host.prove(${o.camel}Program, input)).rejects.toThrow(
      /${o.kind} n = ${N} rejected: the value is -1, not a natural number/,
    );
  });

${
  hasDeps
    ? `  it("fails permanently when a dependency's receipt is of another program", async () => {
    // A stand-in whose receipts are signed under another version of the ${deps[0]?.kind} program.
    const forged = STAND_INS.map((s, i) => (i === 0 ? { ...s, program: { ...s.program, version: "forged" } } : s));
    const other = await createPluginHarness({
      plugins: [${o.pascal}Plugin],
      pluginSettings: settingsFor(node.url),
      standIns: forged,
    });
    try {
      const { record } = await other.prove(CONTEXT);
      expect(record).toMatchObject({ status: "permanent_failure", error: expect.stringContaining("readVerified") });
    } finally {
      await other.close();
    }
  });

`
    : ""
}  it("refuses an invalid context at submit time, naming the field", async () => {
    await expect(harness.submit({ ...CONTEXT, n: -1 })).rejects.toThrow(/→ at n/);
  });

  it("refuses at submit a context too far past the node's latest to wait for, naming the setting", async () => {
    await expect(harness.submit({ ...CONTEXT, n: LATEST + DEFAULT_HORIZON + 1 })).rejects.toThrow(
      \`more than \${DEFAULT_HORIZON} past the node's latest (\${LATEST}): it will not exist soon enough to wait for (plugin_settings.${o.kind}.horizon)\`,
    );
  });
});

describe("settings", () => {
  it("refuses settings without a node URL before the service opens anything", async () => {
    await expect(createPluginHarness({ plugins: [${o.pascal}Plugin], pluginSettings: {}${hasDeps ? ", standIns: STAND_INS" : ""} })).rejects.toThrow(
      /plugin_settings\\.${o.kind}: [\\s\\S]*→ at node_url/,
    );
  });
});
`;
}

export function exampleTs(o: NormalizedOptions): string {
  const hasDeps = o.dependencies.length > 0;
  return `/**
 * The ${o.kind} plugin outside a test runner: prove one context against a stub node that fails once${hasDeps ? ",\n * with its dependencies stood in for," : ""} and print what happened. \`npx nx run ${o.projectName}:examples\` runs it.
 */
${imports(o, false)}

${fixtures(o, 21)}
const node = await createStubRpc(${o.camel}NodeHandlers((n) => n * 2));
const harness = await createPluginHarness({
  plugins: [${o.pascal}Plugin],
  // [plugin_settings.${o.kind}] as in the prover client's config: its node is the stub.
  pluginSettings: { [${o.constant}.kind]: { node_url: node.url, timeout_ms: 1_000 } },${hasDeps ? "\n  standIns: STAND_INS," : ""}
});
try {
  node.failNext({ mode: "http500" }, { method: VALUE_METHOD });
  const { record, output } = await harness.prove(CONTEXT);
  console.log(\`status: \${record.status}\`);
  console.log(\`path:   \${harness.statusesOf(CONTEXT).join(" -> ")}\`);
  console.log("output:", output);
  if (record.status !== "completed") process.exitCode = 1;
} finally {
  await harness.close();
  await node.close();
}
`;
}
