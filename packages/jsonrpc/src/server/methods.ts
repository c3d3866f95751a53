import { InvalidParamsError } from "@paas/core/contracts";
import type { z } from "zod";
import { type Validator, validate } from "../validation.js";

/** What a handler knows about the call it serves. */
export interface MethodContext {
  readonly method: string;
  /** True when the request carried the server's bearer token (always true when auth is off). */
  readonly authenticated: boolean;
  /** A notification gets no response; its result and errors are dropped. */
  readonly notification: boolean;
  /** Aborted when the client disconnects or the server closes. */
  readonly signal: AbortSignal;
  /** The caller's IP address (the socket's peer: a proxy's, behind one), for the logs of actions. */
  readonly remoteAddress?: string;
}

export interface JsonRpcMethod {
  /** `params` is the request's raw `params` member (undefined when absent). */
  handler(params: unknown, ctx: MethodContext): Promise<unknown>;
  /** A mutating method requires the bearer token when the server has one. */
  readonly mutates?: boolean;
}

export type MethodRegistry = Readonly<Record<string, JsonRpcMethod>>;

export interface MethodSpec<S extends z.ZodType> {
  /** Validates (and decodes) the params; absent params are validated as `[]`. */
  readonly params: S;
  readonly mutates?: boolean;
  handler(params: z.output<S>, ctx: MethodContext): unknown;
}

/**
 * A method whose params are checked before the handler runs: a mismatch is answered with -32602
 * and a message naming each wrong field, and the handler never sees unvalidated input.
 */
export function defineMethod<S extends z.ZodType>(spec: MethodSpec<S>): JsonRpcMethod {
  return {
    mutates: spec.mutates ?? false,
    async handler(params, ctx) {
      const checked = validate(spec.params as Validator<z.output<S>>, params ?? [], "params");
      if (!checked.ok) throw new InvalidParamsError(checked.problem);
      return spec.handler(checked.value, ctx);
    },
  };
}
