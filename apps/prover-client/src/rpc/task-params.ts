import {
  type ProofContext,
  type ProverService,
  TASK_STATUSES,
  TaskNotFoundError,
  type TaskRef,
  UnknownBackendError,
  UnknownKindError,
} from "@paas/core";
import { z } from "zod";

export const contextSchema = z.looseObject({ kind: z.string().min(1).max(64) });
export const backendSchema = z.string().min(1).max(32);
const TASK_FORMS = 'a task key (32 lower-case hex digits) or { "context": {...}, "backend"?: "..." }';
/**
 * A task is named by its 32-hex-digit key or by its context (and backend, by default its kind's:
 * `[kinds.<kind>] backend`, else `default_backend`). Not a union: zod reports a failed union as "Invalid input", which names neither form.
 */
export const taskSchema = z.unknown().transform((value, ctx) => {
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

export type TaskParam = z.output<typeof taskSchema>;

/** Which tasks: every field narrows (`olderThanMs`: last changed at least that long ago). */
export const taskFilterShape = {
  kind: z.string().max(64).optional(),
  status: z.enum(TASK_STATUSES as [string, ...string[]]).optional(),
  backend: backendSchema.optional(),
  olderThanMs: z.number().int().min(0).optional(),
};

export const listFilterSchema = z.strictObject({
  ...taskFilterShape,
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(64).optional(),
});

/**
 * A task named by context: its kind and backend must exist, or "not found" would mislead. Without a
 * backend, its kind's (as submissions without one go there). One this instance does not have still
 * names a task stored under it, as `assertKnownFilter` allows: another instance's, in a cluster whose
 * machines prove different kinds or on different backends (core reads such a context as given).
 */
export function taskRefFor(service: ProverService): (task: TaskParam) => Promise<TaskRef> {
  return async (task) => {
    if (typeof task === "string") return task;
    const backend = task.backend ?? service.backendFor(task.context.kind);
    const ref = { context: task.context as ProofContext, backend };
    const kindKnown = service.kinds().includes(task.context.kind);
    const backendKnown = service.backends().includes(backend);
    if ((kindKnown && backendKnown) || (await isStored(service, ref))) return ref;
    assertKnownKind(service, task.context.kind);
    throw new UnknownBackendError(backend, service.backends());
  };
}

async function isStored(service: ProverService, ref: TaskRef): Promise<boolean> {
  try {
    await service.status(ref);
    return true;
  } catch (error) {
    if (error instanceof TaskNotFoundError) return false;
    throw error;
  }
}

/**
 * A kind, in a context or a filter, must be one a plugin registers: as a filter, an unknown one (a
 * typo) would match no task, and "no tasks" would hide the mistake. The error names the registered kinds.
 */
export function assertKnownKind(service: ProverService, kind: string | undefined): void {
  if (kind !== undefined && !service.kinds().includes(kind)) {
    throw new UnknownKindError(kind, service.kinds());
  }
}

/**
 * A filter's kind and backend must exist, for the same reason: a misspelt `--backend` would list,
 * cancel or retry nothing and say so as if nothing matched. One this instance does not have is
 * still a filter when tasks are stored under it: removed from the configuration since, or another
 * instance's in a cluster whose machines prove different kinds or on different backends.
 */
export async function assertKnownFilter(
  service: ProverService,
  filter: { readonly kind?: string; readonly backend?: string } | undefined,
): Promise<void> {
  const { kind, backend } = filter ?? {};
  const kindKnown = kind === undefined || service.kinds().includes(kind);
  const backendKnown = backend === undefined || service.backends().includes(backend);
  if (kindKnown && backendKnown) return;
  const stored = (await service.summary()).rows.filter((row) => row.count > 0);
  if (!kindKnown && !stored.some((row) => row.kind === kind)) {
    throw new UnknownKindError(kind!, service.kinds());
  }
  if (!backendKnown && !stored.some((row) => row.backend === backend)) {
    throw new UnknownBackendError(backend!, service.backends());
  }
}
