import {
  type ProofContext,
  type ProverService,
  TASK_STATUSES,
  type TaskRef,
  UnknownBackendError,
  UnknownKindError,
} from "@paas/core";
import { defineMethod, type MethodRegistry } from "@paas/jsonrpc";
import { receiptToJson } from "@paas/zkvm";
import { z } from "zod";

const contextSchema = z.looseObject({ kind: z.string().min(1).max(64) });
const backendSchema = z.string().min(1).max(32);
const TASK_FORMS = 'a task key (32 lower-case hex digits) or { "context": {...}, "backend"?: "..." }';
/**
 * A task is named by its 32-hex-digit key or by its context (and backend, by default the default
 * backend). Not a union: zod reports a failed union as "Invalid input", which names neither form.
 */
const taskSchema = z.unknown().transform((value, ctx) => {
  if (typeof value === "string") {
    if (/^[0-9a-f]{32}$/.test(value)) return value;
    ctx.addIssue({ code: "custom", message: `"${value.slice(0, 40)}" is not ${TASK_FORMS}` });
    return z.NEVER;
  }
  const named = z
    .strictObject(
      { context: contextSchema, backend: backendSchema.optional() },
      { error: `expected ${TASK_FORMS}` },
    )
    .safeParse(value);
  if (named.success) return named.data;
  for (const issue of named.error.issues) ctx.addIssue({ ...issue, code: "custom" });
  return z.NEVER;
});
const listFilterSchema = z.strictObject({
  kind: z.string().max(64).optional(),
  status: z.enum(TASK_STATUSES as [string, ...string[]]).optional(),
  backend: backendSchema.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(64).optional(),
});

export interface CoreMethodOptions {
  readonly defaultBackend: string;
  /** Extra facts for `paas_getReport` (uptime, versions, plugin state). */
  readonly report: () => Promise<Record<string, unknown>>;
}

/**
 * The prover client's own JSON-RPC methods, with params by position as in Ethereum's APIs.
 * Every param is validated before the service sees it; typed core errors become JSON-RPC errors
 * with distinct codes (see @paas/jsonrpc).
 */
export function coreMethods(service: ProverService, options: CoreMethodOptions): MethodRegistry {
  /** A task named by context: its kind and backend must exist, or "not found" would mislead. */
  const taskRef = (task: string | { context: { kind: string }; backend?: string | undefined }): TaskRef => {
    if (typeof task === "string") return task;
    const backend = task.backend ?? options.defaultBackend;
    if (!service.kinds().includes(task.context.kind)) {
      throw new UnknownKindError(task.context.kind, service.kinds());
    }
    if (!service.backends().includes(backend)) throw new UnknownBackendError(backend, service.backends());
    return { context: task.context as ProofContext, backend };
  };
  return {
    paas_submitTask: defineMethod({
      params: z.tuple([contextSchema, backendSchema.optional()]),
      mutates: true,
      async handler([context, backend]) {
        const { task, created } = await service.submit(
          context as ProofContext,
          backend ?? options.defaultBackend,
        );
        return { id: task.id, created, task };
      },
    }),
    paas_getTaskStatus: defineMethod({
      params: z.tuple([taskSchema]),
      handler: ([task]) => service.status(taskRef(task)),
    }),
    paas_getProof: defineMethod({
      params: z.tuple([taskSchema]),
      handler: async ([task]) => receiptToJson(await service.proof(taskRef(task))),
    }),
    paas_listTasks: defineMethod({
      params: z.tuple([listFilterSchema.optional()]),
      handler: ([filter]) => service.list((filter ?? {}) as Parameters<ProverService["list"]>[0]),
    }),
    paas_cancelTask: defineMethod({
      params: z.tuple([taskSchema]),
      mutates: true,
      handler: ([task]) => service.cancel(taskRef(task)),
    }),
    paas_getReport: defineMethod({
      params: z.tuple([]),
      async handler() {
        const summary = await service.summary();
        return {
          ...summary,
          kinds: service.kinds(),
          backends: service.backends(),
          ...(await options.report()),
        };
      },
    }),
  };
}
