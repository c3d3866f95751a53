import { canonicalContext, type ProofContext } from "../contracts/context.js";
import type { TaskPhase, TaskStatusName } from "../contracts/status.js";
import { type Backend, taskKey } from "../contracts/task-id.js";
import { InvalidContextError, PaasError } from "../errors.js";
import type { KindRegistry } from "../registry/kind-registry.js";
import type { NewTask } from "../store/task-store.js";

/**
 * Validates a submission before anything is stored: the backend is configured, the kind has a
 * plugin, and the plugin accepts the context. Returns the row to insert.
 */
export function prepareSubmission(kinds: KindRegistry, raw: ProofContext, backend: Backend): NewTask {
  if (typeof raw !== "object" || raw === null || typeof raw.kind !== "string") {
    throw new InvalidContextError("a proof context must be an object with a string `kind`");
  }
  kinds.requireBackend(backend);
  const registered = kinds.get(raw.kind);
  let context: ProofContext;
  try {
    context = registered.handler.parseContext(raw);
  } catch (error) {
    if (error instanceof PaasError) throw error;
    throw new InvalidContextError(`invalid ${raw.kind} context: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (context.kind !== raw.kind) {
    throw new InvalidContextError(`plugin for "${raw.kind}" changed the context kind to "${context.kind}"`);
  }
  const canonical = canonicalContext(context);
  const start = initialStep(registered.handler.dependencies !== undefined);
  return { id: taskKey({ context, backend }), kind: raw.kind, backend, context: canonical, ...start };
}

/**
 * Kinds with dependencies start `pending` (their dependencies are resolved first); kinds without
 * go straight to `queued`, since there is nothing to wait for.
 */
export function initialStep(hasDependencies: boolean): { status: TaskStatusName; phase: TaskPhase } {
  return hasDependencies ? { status: "pending", phase: "resolve" } : { status: "queued", phase: "prove" };
}
