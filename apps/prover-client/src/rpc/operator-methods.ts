import path from "node:path";
import { PaasError, type ProverService, type TaskFilter } from "@paas/core";
import { defineMethod, type MethodRegistry } from "@paas/jsonrpc";
import { z } from "zod";
import type { ActionLog } from "../logging/action-log.js";
import type { Overview } from "../overview/overview.js";
import { assertKnownFilter, taskFilterShape, taskRefFor, taskSchema } from "./task-params.js";

export interface OperatorMethodOptions {
  readonly overview: () => Promise<Overview>;
  /** Where each action that succeeded is logged (see `logActions`). */
  readonly actions: ActionLog;
}

/**
 * Params by position, as every method of this API, or by name as the dashboard sends them
 * (`{ "id": … }`, a filter object): named params are put in their position before validation.
 */
function byPositionOrName<S extends z.ZodType>(names: readonly string[] | "whole", schema: S) {
  return z.preprocess((params, ctx) => {
    if (typeof params !== "object" || params === null || Array.isArray(params)) return params;
    if (names === "whole") return [params];
    // A name the method does not take is a mistake to report, not to drop.
    const unknown = Object.keys(params).filter((key) => !names.includes(key));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `unknown named param${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(", ")}; this method takes ${names.length === 0 ? "none" : names.join(", ")}`,
      });
      return z.NEVER;
    }
    return names.map((name) => (params as Record<string, unknown>)[name]);
  }, schema);
}

/**
 * A bulk action's filter. An empty one would take every task, which is rarely what a typo meant:
 * it is refused, and `olderThanMs: 0` says "all of them" on purpose.
 */
const bulkFilterSchema = z
  .strictObject(taskFilterShape)
  .refine((f) => Object.values(f).some((v) => v !== undefined), {
    message: "give at least one of kind, status, backend, olderThanMs (olderThanMs: 0 takes every task)",
  });

const pruneSchema = z
  .strictObject({
    olderThanMs: z.number().int().min(0),
    exportDir: z
      .string()
      .min(1)
      .max(4096)
      .refine((dir) => path.isAbsolute(dir), {
        message: "must be an absolute path (it is on the prover client's machine)",
      })
      .optional(),
    deleteReceipts: z.boolean().optional(),
    compact: z.boolean().optional(),
  })
  // An export and its refusal at once had exported anyway: which of the two was meant cannot be told.
  .refine((o) => !(o.exportDir !== undefined && o.deleteReceipts === true), {
    message: "give exportDir or deleteReceipts, not both",
  });

/**
 * What operators do beyond one task: look at a task's dependency graph and the whole picture,
 * retry or cancel by filter, and prune old finished tasks. Actions need the bearer token (when
 * one is set); reads do not.
 */
export function operatorMethods(service: ProverService, options: OperatorMethodOptions): MethodRegistry {
  const taskRef = taskRefFor(service);
  return {
    paas_getTaskGraph: defineMethod({
      params: byPositionOrName(["id"], z.tuple([taskSchema])),
      handler: async ([task]) => service.graph(await taskRef(task)),
    }),
    paas_getOverview: defineMethod({
      params: byPositionOrName([], z.tuple([])),
      handler: () => options.overview(),
    }),
    paas_retryTask: defineMethod({
      params: byPositionOrName(["id"], z.tuple([taskSchema])),
      mutates: true,
      async handler([task], call) {
        const record = await service.status(await taskRef(task));
        if (record.status !== "permanent_failure" && record.status !== "cancelled") {
          // Its status, not the params, is what is wrong: the code of a refused transition (-32016).
          throw new PaasError(
            "INVALID_TRANSITION",
            `task ${record.id} is ${record.status}: only a task that failed permanently or was cancelled can be retried`,
          );
        }
        // A restart begins with a step of the kind's plugin, so only an instance with it can restart
        // the task; another instance's kind was refused as if the task shown did not exist.
        if (!service.kinds().includes(record.kind)) {
          throw new PaasError(
            "UNKNOWN_KIND",
            `task ${record.id} was not retried: no plugin here proves kind "${record.kind}" (registered: ${service.kinds().join(", ")}); retry it through an instance that has it`,
          );
        }
        // A submission of a failed or cancelled task restarts it (core's resubmission rule).
        const { task: restarted } = await service.submit(record.taskId.context, record.taskId.backend);
        options.actions(call, { task: restarted.id, kind: restarted.kind, status: restarted.status });
        return { id: restarted.id, task: restarted };
      },
    }),
    paas_retryTasks: defineMethod({
      params: byPositionOrName("whole", z.tuple([bulkFilterSchema])),
      mutates: true,
      async handler([filter], call) {
        await assertKnownFilter(service, filter);
        const result = await service.retryMany(filter as TaskFilter);
        options.actions(call, { filter, ...result });
        return result;
      },
    }),
    paas_cancelTasks: defineMethod({
      params: byPositionOrName("whole", z.tuple([bulkFilterSchema])),
      mutates: true,
      async handler([filter], call) {
        await assertKnownFilter(service, filter);
        const result = await service.cancelMany(filter as TaskFilter);
        options.actions(call, { filter, ...result });
        return result;
      },
    }),
    paas_prune: defineMethod({
      params: byPositionOrName("whole", z.tuple([pruneSchema])),
      mutates: true,
      async handler([prune], call) {
        const result = await service.prune({
          olderThanMs: prune.olderThanMs,
          ...(prune.exportDir !== undefined && { exportReceiptsTo: prune.exportDir }),
          ...(prune.deleteReceipts !== undefined && { deleteReceipts: prune.deleteReceipts }),
          ...(prune.compact !== undefined && { compact: prune.compact }),
        });
        // The options as given (exportDir: where the receipts went), then the counts and sizes.
        options.actions(call, { ...prune, ...result });
        return result;
      },
    }),
  };
}
