import { type ProofContext, type ProverService, TASK_STATUSES, type TaskRef } from "@paas/core";
import { defineMethod, type MethodRegistry } from "@paas/jsonrpc";
import { receiptToJson } from "@paas/zkvm";
import { z } from "zod";

const contextSchema = z.looseObject({ kind: z.string().min(1).max(64) });
const backendSchema = z.string().min(1).max(32);
/** A task is named by its 32-hex-digit key or by its full TaskId. */
const taskSchema = z.union([
  z.string().regex(/^[0-9a-f]{32}$/, "a task key is 32 lower-case hex digits"),
  z.strictObject({ context: contextSchema, backend: backendSchema }),
]);
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
      handler: ([task]) => service.status(task as TaskRef),
    }),
    paas_getProof: defineMethod({
      params: z.tuple([taskSchema]),
      handler: async ([task]) => receiptToJson(await service.proof(task as TaskRef)),
    }),
    paas_listTasks: defineMethod({
      params: z.tuple([listFilterSchema.optional()]),
      handler: ([filter]) => service.list((filter ?? {}) as Parameters<ProverService["list"]>[0]),
    }),
    paas_cancelTask: defineMethod({
      params: z.tuple([taskSchema]),
      mutates: true,
      handler: ([task]) => service.cancel(task as TaskRef),
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
