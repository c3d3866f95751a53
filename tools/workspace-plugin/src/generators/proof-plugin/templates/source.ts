import type { DependencySpec, NormalizedOptions } from "../options.js";
import { commentLines, inComment } from "./comment.js";

/** The files of src/: identity, context, settings, node, program, fetcher, admission, plugin, index and testing. */

const identity = (constant: string, kind: string, program: DependencySpec["program"]) =>
  `export const ${constant} = {
  kind: "${kind}",
  program: { name: "${program.name}", version: "${program.version}", proofType: "${program.proofType}" },
} as const;
`;

export function proofTypeTs(o: NormalizedOptions): string {
  return `/**
 * The identity of the ${o.kind} proof type: its routing kind and its program. Receipts name their
 * program by id, a hash of its name and version: bump \`version\` whenever the guest's behaviour
 * changes, so that receipts of the old guest stop verifying. A plugin that depends on ${o.kind}
 * keeps a copy of this constant (plugins never import each other); the generator reads it from here.
 */
${identity(o.constant, o.kind, { name: o.kind, version: "1", proofType: "compressed" })}`;
}

/** The identities of other plugins' kinds this one depends on (plugins never import each other). */
export function dependenciesTs(o: NormalizedOptions): string {
  const others = o.dependencies.filter((d) => !d.rollup);
  const items = others.map((d) => `- ${d.constant}: from ${d.source}.`);
  return `/**
${commentLines([
  `The proof types of other plugins that ${o.kind} depends on: their kinds and program identities. Plugins never import each other, so these are copies; keep each in step with the plugin that defines it (a new program version there changes its program id, and this guest would then refuse its receipts):`,
  ...items,
])}
 */
${others.map((d) => identity(d.constant, d.kind, d.program)).join("\n")}`;
}

export function contextTs(o: NormalizedOptions): string {
  const rollup = o.dependencies.filter((d) => d.rollup);
  const others = o.dependencies.filter((d) => !d.rollup);
  const imports = [
    `import { type ProofContext, parseContextWith } from "@paas/core";`,
    rollup.length > 0
      ? `import { ${rollup.map((d) => d.rollup?.schema).join(", ")} } from "@paas/rollup";`
      : "",
    `import { z } from "zod";`,
    others.length > 0
      ? `import { ${others.map((d) => d.constant).join(", ")} } from "./dependencies.js";`
      : "",
    `import { ${o.constant} } from "./proof-type.js";`,
  ].filter((line) => line !== "");
  const rollupFields = rollup.map(
    (
      d,
    ) => `  /** The ${d.rollup?.label} proof this one builds on: a context of the rollup's ${d.kind} kind. */
  ${d.field}: ${d.rollup?.schema},`,
  );
  const dependencyContexts = o.dependencies.map((d) =>
    d.rollup ? `context.${d.field}` : `{ kind: ${d.constant}.kind, n: context.n }`,
  );
  const mapping = [
    `The contexts proven before this one, each on its own kind's backend, one per proof type ${o.kind} depends on, in the order the guest reads their receipts.`,
  ];
  if (rollup.length > 0) {
    mapping.push(
      "A context of the rollup's kinds names blocks by hash, which only the chain knows: here the context carries it. A plugin that can derive it (from its node, in an async `dependencies`) should.",
    );
  }
  if (others.length > 0) {
    mapping.push(
      `Generated plugins name a proof by \`n\`: the ${others.map((d) => d.kind).join(", ")} proof of the same \`n\` is the one this proof of \`n\` builds on. Change the mapping if that is not what it means.`,
    );
  }
  const dependenciesOf =
    o.dependencies.length === 0
      ? ""
      : `
/**
${commentLines(mapping)}
 */
export function dependenciesOf(context: ${o.pascal}Context): ProofContext[] {
  return [${dependencyContexts.join(", ")}];
}
`;
  return `${imports.join("\n")}

/**
 * What one ${o.kind} proof is about, as plain data: integers and strings, no floats (a context has
 * one canonical text, which is the task's identity). \`n\` is a placeholder for whatever names one
 * proof of this type: a block range, an epoch, a batch index.
 */
export const ${o.pascal}ContextSchema = z.strictObject({
  kind: z.literal(${o.constant}.kind),
  n: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
${rollupFields.join("\n")}
});
export type ${o.pascal}Context = z.output<typeof ${o.pascal}ContextSchema>;

/**
 * Validates a context at submit time and returns it normalised (e.g. lower-case hex), so that equal
 * contexts have equal canonical forms. Throws \`InvalidContextError\` naming the field; nothing is stored.
 */
export function parse${o.pascal}Context(raw: ProofContext): ${o.pascal}Context {
  return parseContextWith(${o.constant}.kind, ${o.pascal}ContextSchema, raw);
}
${dependenciesOf}`;
}

export function settingsTs(o: NormalizedOptions): string {
  return `import { parsePluginSettings } from "@paas/core";
import { z } from "zod";
import { ${o.constant} } from "./proof-type.js";

/** The deadline of one call when \`timeout_ms\` is unset; exported, as every plugin's defaults are. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** How far past the node's latest \`n\` a submitted context may be when \`horizon\` is unset. */
export const DEFAULT_HORIZON = 16;

/**
 * \`[plugin_settings.${o.kind}]\` in the prover client's config; each plugin validates its own section.
 * - \`node_url\`: the JSON-RPC node the fetcher reads from (required);
 * - \`timeout_ms\`: the deadline of one call (default 10000);
 * - \`horizon\`: how far past the node's latest \`n\` a submitted context may be (default 16): one
 *   within it is accepted and waits for its value; one beyond is refused at submit.
 * A key naming a file would go in \`@ProofPlugin({ paths })\` too, so that it reaches the plugin absolute.
 */
export const ${o.pascal}SettingsSchema = z.strictObject({
  node_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  timeout_ms: z.int().min(1).max(3_600_000).default(DEFAULT_TIMEOUT_MS),
  horizon: z.int().min(0).max(1_000_000).default(DEFAULT_HORIZON),
});

export interface ${o.pascal}Settings {
  readonly nodeUrl: string;
  readonly timeoutMs: number;
  readonly horizon: number;
}

/**
 * Validates the plugin's settings section; throws core's \`InvalidConfigError\` naming the key (an
 * unknown key with the one it most likely meant, \`did you mean "timeout_ms"?\`).
 */
export function parse${o.pascal}Settings(raw: unknown): ${o.pascal}Settings {
  const { node_url, timeout_ms, horizon } = parsePluginSettings(${o.constant}.kind, ${o.pascal}SettingsSchema, raw);
  return { nodeUrl: node_url, timeoutMs: timeout_ms, horizon };
}
`;
}

export function nodeTs(o: NormalizedOptions): string {
  return `import { PLUGIN_SETTINGS, type PluginSettings } from "@paas/core";
import { JsonRpcClient } from "@paas/jsonrpc";
import { inject, injectable } from "tsyringe";
import { ${o.constant} } from "./proof-type.js";
import { parse${o.pascal}Settings } from "./settings.js";

/**
 * The JSON-RPC method the fetcher calls: \`${o.camel}_getValue(n)\` answers a natural number, or
 * null while the node has none for \`n\` yet.
 */
export const VALUE_METHOD = "${o.camel}_getValue";
/** The method admission calls: \`${o.camel}_latest()\` answers the highest \`n\` the node has a value for. */
export const LATEST_METHOD = "${o.camel}_latest";

/**
 * The node the fetcher reads from, and the container token the plugin injects it by. The prover
 * client builds it from \`[plugin_settings.${o.kind}]\`; a test registers a client of a stub node
 * in its place: \`overrides: [{ token: ${o.pascal}Node, useValue: new JsonRpcClient({ url }) }]\`.
 */
@injectable()
export class ${o.pascal}Node extends JsonRpcClient {
  constructor(@inject(PLUGIN_SETTINGS) settings: PluginSettings) {
    const { nodeUrl, timeoutMs } = parse${o.pascal}Settings(settings.for(${o.constant}.kind));
    super({ url: nodeUrl, timeoutMs });
  }
}
`;
}

/** The test utilities: the package's \`./testing\` subpath, never its main entry. */
export function testingTs(o: NormalizedOptions): string {
  return `/**
 * Test utilities of the ${o.kind} plugin, for its tests and for yours (an app composing it): a
 * subpath of its own (\`${o.packageName}/testing\`), so the main entry, which the prover client
 * loads, never loads them. They import nothing of @paas/testing or vitest.
 */
import { LATEST_METHOD, VALUE_METHOD } from "./node.js";

/** A JSON-RPC method's handler, as @paas/testing's \`createStubRpc\` takes them. */
export type RpcHandlers = Record<string, (params: unknown) => unknown>;

/**
 * The handlers of a node serving \`answer(n)\` for \`${o.camel}_getValue(n)\` and \`latest()\` for
 * \`${o.camel}_latest()\` (default 100), e.g. \`createStubRpc(${o.camel}NodeHandlers((n) => n * 2))\`.
 * Return null to have a task wait for its value, anything else but a natural number to drive the
 * fetcher's permanent failure.
 */
export function ${o.camel}NodeHandlers(answer: (n: number) => unknown, latest: () => unknown = () => 100): RpcHandlers {
  return {
    [VALUE_METHOD]: (params) => {
      const [n] = params as [number];
      return answer(n);
    },
    [LATEST_METHOD]: () => latest(),
  };
}
`;
}

export function programTs(o: NormalizedOptions): string {
  const deps = o.dependencies;
  const hasDeps = deps.length > 0;
  const ids = deps.map(
    (d) => `const ${d.constant}_ID = programIdOf(${d.constant}.program.name, ${d.constant}.program.version);`,
  );
  const outputFields = deps.map(
    (d) => `  /** The public values of the ${d.kind} proof this one verified. */
  readonly ${d.field}: Uint8Array;`,
  );
  const rollup = deps.filter((d) => d.rollup).map((d) => d.constant);
  const others = deps.filter((d) => !d.rollup).map((d) => d.constant);
  const imports = [
    hasDeps ? `import type { ProofReceipt } from "@paas/core/contracts";` : "",
    rollup.length > 0 ? `import { ${rollup.join(", ")} } from "@paas/rollup/model";` : "",
    `import { decodeCommitted, defineProgram${hasDeps ? ", programIdOf" : ""} } from "@paas/zkvm/program";`,
    others.length > 0 ? `import { ${others.join(", ")} } from "./dependencies.js";` : "",
    `import { ${o.constant} } from "./proof-type.js";`,
  ].filter((line) => line !== "");
  return `/**
${commentLines([
  `The ${o.kind} program. A proving worker imports this module, so it imports \`@paas/zkvm/program\` (never \`@paas/zkvm\`)${rollup.length > 0 ? ", the rollup's guest entry point `@paas/rollup/model`" : ""} and side-effect-free modules of its own, nothing of the host side.`,
])}
 */
${imports.join("\n")}

/** What the host hands the guest${hasDeps ? ", in this order" : ""}. */
export interface ${o.pascal}Input {
  readonly n: number;
  /** What the node served for \`n\`. */
  readonly value: number;${
    hasDeps
      ? `
  /** The dependencies' receipts, one per dependency, in the order of \`dependenciesOf\`. */
  readonly receipts: readonly ProofReceipt[];`
      : ""
  }
}

/**
 * The public values: one committed value. (The other convention is the SSZ of an output type,
 * committed with \`commitBytes\`, which is what the rollup's proof types do.)
 */
export interface ${o.pascal}Output {
  readonly n: number;
  readonly value: number;
${outputFields.join("\n")}
}
${hasDeps ? `\n${ids.join("\n")}\n` : ""}
/**
 * A failed guest check, with a stable code to branch on. A plain \`Error\` (the guest does not load
 * @paas/core): the native host reports whatever a guest throws as a permanent failure carrying its
 * message.
 */
export class ${o.pascal}RejectedError extends Error {
  readonly code = "${o.constant}_REJECTED";

  constructor(
    readonly n: number,
    detail: string,
  ) {
    super(\`${o.kind} n = \${n} rejected: \${detail}\`);
    this.name = "${o.pascal}RejectedError";
  }
}

/**
 * The guest runs in a proving worker: synchronous, it reads its input in the order \`writeInput\`
 * wrote it and commits its public values. It must not trust the host: it checks what it proves
 * (here, that the value is a natural number).${
   hasDeps
     ? `
 * \`readVerified\` checks each dependency's receipt against the host key and the dependency's
 * program id, so a receipt of anything else fails this proof.`
     : ""
 }
 * Replace the check with the statement this proof type proves, and bump the version in
 * src/proof-type.ts whenever the guest's behaviour changes.
 */
export const ${o.camel}Program = defineProgram<${o.pascal}Input, ${o.pascal}Output>({
  name: ${o.constant}.program.name,
  version: ${o.constant}.program.version,
  proofType: ${o.constant}.program.proofType,
  module: import.meta.url,
  writeInput(input, writer) {
    writer.write(input.n);
    writer.write(input.value);${hasDeps ? "\n    for (const receipt of input.receipts) writer.writeReceipt(receipt);" : ""}
  },
  guest(env) {
    const n = env.read<number>();
    const value = env.read<number>();
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ${o.pascal}RejectedError(n, \`the value is \${value}, not a natural number\`);
    }
${deps.map((d) => `    const ${d.field} = env.readVerified(${d.constant}_ID);`).join("\n")}${hasDeps ? "\n" : ""}    env.commit({ n, value${deps.map((d) => `, ${d.field}`).join("")} });
  },
  readOutput: (publicValues) => decodeCommitted<${o.pascal}Output>(publicValues),
});
`;
}

export function fetcherTs(o: NormalizedOptions): string {
  const hasDeps = o.dependencies.length > 0;
  return `import { ${hasDeps ? "type DependencyReceipt, " : ""}NotYetAvailableError, PermanentError, type StepContext } from "@paas/core";
import type { JsonRpcClient } from "@paas/jsonrpc";
import type { ${o.pascal}Context } from "./context.js";
import { VALUE_METHOD } from "./node.js";
import type { ${o.pascal}Input } from "./program.js";

/**
 * Builds the guest's input for one context: asks the node for the value of \`n\`${hasDeps ? ", and hands over\n * the dependencies' receipts in the order `dependenciesOf` listed them" : ""}.
 *
 * Failures are classified, so the scheduler knows whether to retry: the client throws transient
 * errors for what a retry can fix (unreachable, timeout, HTTP 5xx) and permanent ones for what it
 * cannot (a malformed answer, "method not found"); an answer of the wrong shape is a
 * \`PermanentError\` here. Anything left unclassified counts as transient. A value the node does not
 * have yet (null) is no failure: \`NotYetAvailableError\` has the task wait for it, re-checked every
 * 5 s, without using up its retries (admission bounds how far ahead that may be).
 */
export async function fetch${o.pascal}Input(
  node: JsonRpcClient,
  context: ${o.pascal}Context,
${hasDeps ? "  dependencies: readonly DependencyReceipt[],\n" : ""}  step: StepContext,
): Promise<${o.pascal}Input> {
  const value = await node.call<unknown>(VALUE_METHOD, [context.n], { signal: step.signal });
  if (value === null) {
    throw new NotYetAvailableError(\`\${VALUE_METHOD}(\${context.n}) has no value yet: waiting for the node to serve it\`);
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new PermanentError(
      \`\${VALUE_METHOD}(\${context.n}) answered \${JSON.stringify(value)}, not a natural number\`,
    );
  }
  return { n: context.n, value${hasDeps ? ", receipts: dependencies.map((d) => d.receipt)" : ""} };
}
`;
}

/** Admission: what the plugin refuses at submit, before anything is stored. */
export function admissionTs(o: NormalizedOptions): string {
  return `import { InvalidContextError } from "@paas/core";
import type { JsonRpcClient } from "@paas/jsonrpc";
import type { ${o.pascal}Context } from "./context.js";
import { LATEST_METHOD } from "./node.js";
import { ${o.constant} } from "./proof-type.js";

/**
 * Refuses, before anything is stored, a context the node will not serve soon: \`n\` more than
 * \`horizon\` past the latest it has a value for. One within the horizon is accepted and waits for its
 * value (the fetcher's \`NotYetAvailableError\`); unbounded, a context far ahead would wait for ever.
 * A node that cannot be asked, or answers something else, is no reason to refuse: the task waits for
 * it like any other. \`signal\` aborts at core's admission deadline, so a silent node does not hold the submit.
 */
export async function admit${o.pascal}(
  node: JsonRpcClient,
  context: ${o.pascal}Context,
  horizon: number,
  signal: AbortSignal,
): Promise<void> {
  let latest: unknown;
  try {
    latest = await node.call<unknown>(LATEST_METHOD, [], { signal });
  } catch {
    return;
  }
  if (typeof latest !== "number" || !Number.isSafeInteger(latest)) return;
  if (context.n > latest + horizon) {
    throw new InvalidContextError(
      \`invalid \${${o.constant}.kind} context: n: \${context.n} is more than \${horizon} past the node's latest (\${latest}): it will not exist soon enough to wait for (plugin_settings.\${${o.constant}.kind}.horizon)\`,
    );
  }
}
`;
}

export function pluginTs(o: NormalizedOptions): string {
  const hasDeps = o.dependencies.length > 0;
  return `import {
  type DependencyReceipt,
  PLUGIN_SETTINGS,
  type PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type StepContext,
} from "@paas/core";
import { inject } from "tsyringe";
import { admit${o.pascal} } from "./admission.js";
import { type ${o.pascal}Context, ${hasDeps ? "dependenciesOf, " : ""}parse${o.pascal}Context } from "./context.js";
import { fetch${o.pascal}Input } from "./fetcher.js";
import { ${o.pascal}Node } from "./node.js";
import { type ${o.pascal}Input, ${o.camel}Program } from "./program.js";
import { ${o.constant} } from "./proof-type.js";
import { type ${o.pascal}Settings, parse${o.pascal}Settings } from "./settings.js";

/**
 * The ${o.kind} proof type. ${inComment(o.description)}.
 *
 * Importing this module registers it (by kind) in core's plugin catalogue; the prover client
 * imports the package when its config lists it. Every constructor parameter names its container
 * token with \`@inject\`. Optional hooks of \`ProofPluginHandler\`, when the proof type needs them:
 * \`afterStore\` (publish the stored proof, retried on its own), \`staleProofReason\` (a stored proof
 * made under settings that changed since), \`rpcMethods\` (JSON-RPC methods of its own), \`services\`
 * (background work, e.g. a runner that submits tasks) and \`report\`.
 */
@ProofPlugin({
  kind: ${o.constant}.kind,
  program: ${o.camel}Program,
  description: ${JSON.stringify(o.description)},
  // Checked at start-up, before the prover opens anything: a bad setting stops it at once. Keys that
  // name a file go in \`paths: [...]\` as well: the app hands them to the plugin absolute.
  settings: parse${o.pascal}Settings,${
    hasDeps
      ? `
  // The proof types it verifies: an app without a plugin for each of them is refused at start.
  dependsOn: ${JSON.stringify(o.dependencies.map((d) => d.kind))},`
      : ""
  }
})
export class ${o.pascal}Plugin implements ProofPluginHandler<${o.pascal}Context, ${o.pascal}Input> {
  readonly settings: ${o.pascal}Settings;

  constructor(
    @inject(${o.pascal}Node) private readonly node: ${o.pascal}Node,
    @inject(PLUGIN_SETTINGS) settings: PluginSettings,
  ) {
    this.settings = parse${o.pascal}Settings(settings.for(${o.constant}.kind));
  }

  parseContext(raw: ProofContext): ${o.pascal}Context {
    return parse${o.pascal}Context(raw);
  }

  /** A context more than \`horizon\` past the node's latest is refused; one within it waits. */
  admit(context: ${o.pascal}Context, options: { readonly signal: AbortSignal }): Promise<void> {
    return admit${o.pascal}(this.node, context, this.settings.horizon, options.signal);
  }
${
  hasDeps
    ? `
  dependencies(context: ${o.pascal}Context): readonly ProofContext[] {
    return dependenciesOf(context);
  }
`
    : ""
}
  fetchInput(
    context: ${o.pascal}Context,
    ${hasDeps ? "dependencies" : "_dependencies"}: readonly DependencyReceipt[],
    step: StepContext,
  ): Promise<${o.pascal}Input> {
    return fetch${o.pascal}Input(this.node, context, ${hasDeps ? "dependencies, " : ""}step);
  }
}
`;
}

export function indexTs(o: NormalizedOptions): string {
  const hasDeps = o.dependencies.length > 0;
  return `export { admit${o.pascal} } from "./admission.js";
export { type ${o.pascal}Context, ${o.pascal}ContextSchema, ${hasDeps ? "dependenciesOf, " : ""}parse${o.pascal}Context } from "./context.js";
export { LATEST_METHOD, ${o.pascal}Node, VALUE_METHOD } from "./node.js";
export { ${o.pascal}Plugin } from "./plugin.js";
export {
  type ${o.pascal}Input,
  type ${o.pascal}Output,
  ${o.pascal}RejectedError,
  ${o.camel}Program,
} from "./program.js";
export { ${o.constant} } from "./proof-type.js";
export {
  DEFAULT_HORIZON,
  DEFAULT_TIMEOUT_MS,
  type ${o.pascal}Settings,
  ${o.pascal}SettingsSchema,
  parse${o.pascal}Settings,
} from "./settings.js";
`;
}
