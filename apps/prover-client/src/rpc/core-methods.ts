import type { ProofContext, ProverService } from "@paas/core";
import { defineMethod, type MethodRegistry, StreamedResult } from "@paas/jsonrpc";
import { receiptJsonPieces } from "@paas/zkvm";
import { z } from "zod";
import type { ActionLog } from "../logging/action-log.js";
import {
  assertKnownFilter,
  backendSchema,
  contextSchema,
  listFilterSchema,
  taskRefFor,
  taskSchema,
} from "./task-params.js";

export interface CoreMethodOptions {
  /** Extra facts for `paas_getReport` (uptime, versions, plugin state). */
  readonly report: () => Promise<Record<string, unknown>>;
  /** Where each state change that succeeded is logged (see `logActions`). */
  readonly actions: ActionLog;
}

/**
 * The prover client's own JSON-RPC methods, with params by position as in Ethereum's APIs.
 * Every param is validated before the service sees it; typed core errors become JSON-RPC errors
 * with distinct codes (see @paas/jsonrpc).
 */
export function coreMethods(service: ProverService, options: CoreMethodOptions): MethodRegistry {
  const taskRef = taskRefFor(service);
  return {
    paas_submitTask: defineMethod({
      params: z.tuple([contextSchema, backendSchema.optional()]),
      mutates: true,
      async handler([context, backend], call) {
        // Without a backend, the kind's own (`[kinds.<kind>] backend`), as plugins submit.
        const { task, created } = await service.submit(
          context as ProofContext,
          backend ?? service.backendFor(context.kind),
        );
        options.actions(call, { task: task.id, kind: task.kind, backend: task.backend, created });
        return { id: task.id, created, task };
      },
    }),
    paas_getTaskStatus: defineMethod({
      params: z.tuple([taskSchema]),
      // The record with its history: every finished attempt of every step, oldest first.
      handler: async ([task]) => service.statusWithHistory(await taskRef(task)),
    }),
    paas_getProof: defineMethod({
      params: z.tuple([taskSchema]),
      // Streamed: a receipt can be tens of megabytes (see `receiptJsonPieces`).
      handler: async ([task]) =>
        new StreamedResult(receiptJsonPieces(await service.proof(await taskRef(task)))),
    }),
    paas_listTasks: defineMethod({
      params: z.tuple([listFilterSchema.optional()]),
      async handler([filter]) {
        await assertKnownFilter(service, filter);
        return service.list((filter ?? {}) as Parameters<ProverService["list"]>[0]);
      },
    }),
    paas_cancelTask: defineMethod({
      params: z.tuple([taskSchema]),
      mutates: true,
      async handler([task], call) {
        const record = await service.cancel(await taskRef(task));
        options.actions(call, { task: record.id, kind: record.kind, status: record.status });
        return record;
      },
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
