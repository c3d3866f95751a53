import type { TaskTransition } from "@paas/core";

/** The `task` event the dashboard receives for a committed transition. */
export function taskEvent(t: TaskTransition): Record<string, unknown> {
  return {
    id: t.id,
    kind: t.kind,
    backend: t.backend,
    context: t.context,
    status: t.to,
    from: t.from,
    at: t.at,
    retryCount: t.retryCount,
    ...(t.error !== undefined && { error: t.error }),
    // A wait for the chain, not a failure: as the task's record says it (`paas list`, the dashboard).
    ...(t.waiting === true && { waiting: true }),
  };
}
