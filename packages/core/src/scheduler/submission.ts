import { canonicalContext, type ProofContext } from "../contracts/context.js";
import { type Backend, taskKeyOfCanonical } from "../contracts/task-id.js";
import { errorMessage, InvalidContextError, PaasError } from "../errors.js";
import type { KindRegistry } from "../registry/kind-registry.js";
import type { NewTask } from "../store/task-store.js";
import { firstStep } from "./lifecycle.js";

export interface PreparedSubmission {
  /** The context as its plugin normalised it. */
  readonly context: ProofContext;
  readonly task: NewTask;
}

/**
 * Validates a submission before anything is stored: the backend is configured, the kind has a
 * plugin, and the plugin accepts the context. Returns the row to insert.
 */
export function prepareSubmission(
  kinds: KindRegistry,
  raw: ProofContext,
  backend: Backend,
): PreparedSubmission {
  kinds.requireBackend(backend);
  const context = parseWithPlugin(kinds, raw);
  const start = firstStep(kinds.get(raw.kind).handler.dependencies !== undefined);
  const canonical = canonicalContext(context);
  const task = {
    id: taskKeyOfCanonical(backend, canonical),
    kind: raw.kind,
    backend,
    context: canonical,
    ...start,
  };
  return { context, task };
}

/**
 * A context as its kind's plugin validates and normalises it (say, hex in lower case): what a task
 * is stored under, so a lookup by context must go through it too. Whatever the plugin throws that
 * is not one of our typed errors is an `InvalidContextError` naming the kind.
 */
export function parseWithPlugin(kinds: KindRegistry, raw: ProofContext): ProofContext {
  if (typeof raw !== "object" || raw === null || typeof raw.kind !== "string") {
    throw new InvalidContextError("a proof context must be an object with a string `kind`");
  }
  let context: ProofContext;
  try {
    context = kinds.get(raw.kind).handler.parseContext(raw);
  } catch (error) {
    if (error instanceof PaasError) throw error;
    throw new InvalidContextError(`invalid ${raw.kind} context: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (context.kind !== raw.kind) {
    throw new InvalidContextError(`plugin for "${raw.kind}" changed the context kind to "${context.kind}"`);
  }
  return context;
}
