import { PermanentError } from "@paas/core";

/**
 * Something asked of the chain that does not exist (yet): a slot past the tip, a checkpoint whose
 * epoch has not closed, an unknown EL block. `what` names it ("slot 12", "checkpoint 3"); the
 * devnet answers it with the CL's NOT_FOUND code.
 */
export class DevChainNotFoundError extends PermanentError {
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}
