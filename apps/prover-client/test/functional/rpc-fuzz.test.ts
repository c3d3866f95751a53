/**
 * A property-based fuzz of the JSON-RPC surface of a running prover client against a live devnet:
 * thousands of generated requests — known and unknown methods, params of every shape, broken
 * envelopes, batches, bodies that are not JSON, odd paths, content types and tokens. Every answer
 * must be a JSON-RPC result or an error with a code, never a 5xx or a stack; nothing may be stored
 * from a request that was refused; the checkpoint runner keeps going meanwhile.
 */
import { request } from "node:http";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { until } from "@paas/testing";
import SqliteDatabase from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

const TOKEN = "fuzz-token-0123456789abcdef";
const RUNS = 2_500;

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir, { blockTimeMs: 200 });
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.runner=true",
      "plugin_settings.checkpoint.interval_ms=200",
      `rpc.auth_token="${TOKEN}"`,
    ]),
  );
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

const KNOWN_METHODS = [
  "paas_submitTask",
  "paas_getTaskStatus",
  "paas_getProof",
  "paas_listTasks",
  "paas_cancelTask",
  "paas_getReport",
  "paas_proveCheckpoint",
  "paas_proveLatestCheckpoint",
  "paas_proveClBlocks",
  "paas_proveElBlocks",
  "paas_getTaskGraph",
  "paas_getOverview",
  "paas_retryTask",
  "paas_retryTasks",
  "paas_cancelTasks",
];

const number = fc.oneof(
  fc.integer({ min: -5, max: 50 }),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, -(2 ** 31), 1e300, 0.5, Number.NaN),
);
const hex32 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}`);
const key = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString("hex"));
const scalar = fc.oneof(number, fc.string({ maxLength: 12 }), fc.boolean(), fc.constant(null), hex32, key);
const ref = fc.record({ number, hash: hex32 }, { requiredKeys: [] });
const slotRef = fc.record({ slot: number, blockId: hex32 }, { requiredKeys: [] });
const context = fc.oneof(
  fc.record({ kind: fc.constant("checkpoint"), index: number }),
  fc.record({ kind: fc.constant("cl-stf"), start: slotRef, end: slotRef }, { requiredKeys: ["kind"] }),
  fc.record({ kind: fc.constant("evm-ee-stf"), start: ref, end: ref }, { requiredKeys: ["kind"] }),
  fc.record({ kind: fc.oneof(fc.string({ maxLength: 70 }), number), index: scalar }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 }),
);
const backend = fc.oneof(fc.constantFrom("native", "sp1", "", "NATIVE"), fc.string({ maxLength: 40 }));
const params = fc.oneof(
  fc.constant(undefined),
  fc.tuple(context),
  fc.tuple(context, backend),
  fc.tuple(fc.oneof(key, scalar, fc.record({ context, backend }))),
  fc.tuple(number),
  fc.tuple(number, number),
  fc.tuple(number, backend),
  fc.tuple(
    fc.record(
      { kind: scalar, status: scalar, backend: scalar, limit: number, cursor: scalar },
      { requiredKeys: [] },
    ),
  ),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 10 }),
  fc.constant(null),
  fc.constant({ nested: true }),
);
const call = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.constant("2.0"), fc.constant("1.0"), fc.integer()),
    method: fc.oneof(fc.constantFrom(...KNOWN_METHODS), fc.string({ maxLength: 30 }), fc.integer()),
    params,
    id,
  },
  { requiredKeys: ["jsonrpc", "method"] },
);
const body = fc.oneof(
  { weight: 6, arbitrary: call.map((c) => JSON.stringify(c)) },
  { weight: 2, arbitrary: fc.array(call, { maxLength: 5 }).map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);
const exchange = fc.record({
  body,
  path: fc.oneof(
    { weight: 9, arbitrary: fc.constant("/") },
    { weight: 1, arbitrary: fc.constantFrom("//", "/metrics", "/health", "/x?y", "/%ff", "*") },
  ),
  method: fc.oneof(
    { weight: 9, arbitrary: fc.constant("POST") },
    { weight: 1, arbitrary: fc.constantFrom("GET", "PUT") },
  ),
  contentType: fc.oneof(
    { weight: 9, arbitrary: fc.constant("application/json") },
    { weight: 1, arbitrary: fc.constantFrom("text/plain", "") },
  ),
  token: fc.constantFrom(TOKEN, TOKEN, "wrong-token-0123456789", undefined),
});

interface Answer {
  readonly status: number;
  readonly text: string;
}

type Exchange = typeof exchange extends fc.Arbitrary<infer T> ? T : never;

/**
 * One request on a connection of its own: a GET with a body (sent chunked) is refused by Node's
 * HTTP parser itself with a bare 400 that closes the connection, which a kept-alive client may
 * already be reusing.
 */
function send(port: number, x: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": x.contentType };
    if (x.token !== undefined) headers.authorization = `Bearer ${x.token}`;
    const req = request(
      { host: "127.0.0.1", port, path: x.path, method: x.method, headers, agent: false },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(x.body);
  });
}

/** The methods that may store a task. */
const SUBMITTING = new Set([
  "paas_submitTask",
  "paas_proveCheckpoint",
  "paas_proveLatestCheckpoint",
  "paas_proveClBlocks",
  "paas_proveElBlocks",
]);

/**
 * The submitting calls `x` sent as notifications (no id): the server runs them and answers nothing,
 * so what they stored is named by no answer.
 */
function submittingNotifications(x: Exchange): Exchange[] {
  if (x.path !== "/" || x.method !== "POST" || x.contentType !== "application/json") return [];
  let payload: unknown;
  try {
    payload = JSON.parse(x.body);
  } catch {
    return [];
  }
  return (Array.isArray(payload) ? payload : [payload])
    .filter(
      (c): c is { method: string } =>
        typeof c === "object" &&
        c !== null &&
        !("id" in c) &&
        SUBMITTING.has((c as { method: unknown }).method as string),
    )
    .map((c) => ({ ...x, body: JSON.stringify({ ...c, id: 1 }) }));
}

/** Every 32-hex-digit task key a successful answer mentions. */
function taskKeysIn(value: unknown, into: Set<string>): void {
  if (typeof value === "string" && /^[0-9a-f]{32}$/.test(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) taskKeysIn(v, into);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) taskKeysIn(v, into);
}

function checkJsonRpcAnswer(answer: Answer, sent: string, mentioned: Set<string>): void {
  let payload: unknown;
  try {
    payload = JSON.parse(answer.text);
  } catch {
    throw new Error(`HTTP ${answer.status} answered ${JSON.stringify(answer.text)} to ${sent}`);
  }
  for (const response of Array.isArray(payload) ? payload : [payload]) {
    expect(response).toMatchObject({ jsonrpc: "2.0" });
    const r = response as { result?: unknown; error?: { code: unknown; message: unknown } };
    if ("error" in r && r.error !== undefined) {
      expect(Number.isInteger(r.error.code)).toBe(true);
      expect(typeof r.error.message).toBe("string");
      expect(String(r.error.message)).not.toMatch(/\n\s+at |\.ts:\d+/);
    } else {
      expect("result" in r).toBe(true);
      taskKeysIn(r.result, mentioned);
    }
  }
}

it(`answers ${RUNS.toLocaleString()} generated requests with JSON-RPC results or errors, never a 5xx or a stack, storing nothing it refused`, {
  timeout: 300_000,
}, async () => {
  const accepted = acceptedCheckpoints(devnet);
  const port = Number(new URL(app.rpcUrl!).port);
  const mentioned = new Set<string>();
  const notifications: Exchange[] = [];
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(exchange, async (x) => {
      notifications.push(...submittingNotifications(x));
      const answer = await send(port, x);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(answer.status, `${x.method} ${x.path} ${x.body}`).toBeLessThan(500);
      if (x.path === "/" && x.method === "POST" && answer.status !== 204) {
        checkJsonRpcAnswer(answer, x.body, mentioned);
      }
    }),
    { numRuns: RUNS },
  );
  expect(statuses.get(200)).toBeGreaterThan(RUNS / 2);

  // The runner went on meanwhile: the checkpoints that existed when the fuzz ended get accepted.
  const latest = devnet.chain.latestCheckpointIndex ?? -1;
  await until(
    () => [...Array(latest + 1).keys()].every((i) => accepted.has(i)),
    "checkpoints accepted",
    120_000,
  );

  // A submission sent as a notification names its task in no answer: sent again with an id, it
  // does (submissions are idempotent), so what it stored counts as named.
  for (const x of notifications) {
    const answer = await send(port, x);
    if (answer.status === 200) checkJsonRpcAnswer(answer, x.body, mentioned);
  }

  // Nothing stored but what a successful call named, what the runner submitted, and their dependencies.
  const db = new SqliteDatabase(path.join(data.dir, "paas.sqlite"), { readonly: true });
  try {
    // The runner goes on submitting checkpoints; the tasks are read before their links, and a
    // dependency is linked in the commit that stores it, so every task read has its link.
    const tasks = db.prepare("select id, kind, context from tasks").all() as StoredTask[];
    expect(strays(db, tasks, mentioned)).toEqual([]);
    const checkpoints = tasks
      .filter((t) => t.kind === "checkpoint")
      .map((t) => JSON.parse(t.context).index as number);
    expect(Math.max(...checkpoints)).toBeLessThanOrEqual((devnet.chain.latestCheckpointIndex ?? 0) + 16);
  } finally {
    db.close();
  }
});

interface StoredTask {
  readonly id: string;
  readonly kind: string;
  readonly context: string;
}

/** Stored tasks that no answer named, that are no checkpoint, and on which none of those depends. */
function strays(
  db: SqliteDatabase.Database,
  tasks: readonly StoredTask[],
  mentioned: Set<string>,
): StoredTask[] {
  const deps = db.prepare("select task_id, dep_id from task_deps").all() as {
    task_id: string;
    dep_id: string;
  }[];
  const reachable = new Set([...mentioned, ...tasks.filter((t) => t.kind === "checkpoint").map((t) => t.id)]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { task_id, dep_id } of deps) {
      if (reachable.has(task_id) && !reachable.has(dep_id)) {
        reachable.add(dep_id);
        grew = true;
      }
    }
  }
  return tasks.filter((t) => !reachable.has(t.id));
}
