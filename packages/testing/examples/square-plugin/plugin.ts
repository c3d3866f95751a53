import {
  InvalidContextError,
  PermanentError,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type StepContext,
} from "@paas/core";
import { JsonRpcClient } from "@paas/jsonrpc";
import { inject } from "tsyringe";
import { squareProgram } from "./program.js";

export interface SquareContext extends ProofContext {
  readonly kind: "square";
  readonly n: number;
}

/** Where the plugin reads its numbers from: a JSON-RPC node answering `num_get(n)`. */
export class NumberNode extends JsonRpcClient {}

/** Proves the square of the n-th number a node serves. */
@ProofPlugin({ kind: "square", program: squareProgram })
export class SquarePlugin implements ProofPluginHandler<SquareContext, { n: number; value: number }> {
  constructor(@inject(NumberNode) private readonly node: NumberNode) {}

  parseContext(raw: ProofContext): SquareContext {
    if (!Number.isSafeInteger(raw.n) || (raw.n as number) < 0)
      throw new InvalidContextError("n must be a natural number");
    return { kind: "square", n: raw.n as number };
  }

  async fetchInput(context: SquareContext, _deps: unknown, step: StepContext) {
    // The client classifies failures: unreachable, timeout, HTTP 5xx are transient and retried.
    const value = await this.node.call<unknown>("num_get", [context.n], { signal: step.signal });
    if (typeof value !== "number")
      throw new PermanentError(`num_get(${context.n}) answered ${JSON.stringify(value)}`);
    return { n: context.n, value };
  }
}
