import { createCommon } from "../common.js";
import { executeBlocksStatelessly } from "../stateless/execute.js";
import { type SyncResponse, type SyncStatelessInput, serializeError } from "./protocol.js";

/** Runs one request in the helper thread; never throws, the outcome is in the response. */
export async function handleSyncRequest(input: SyncStatelessInput): Promise<SyncResponse> {
  try {
    const common = createCommon(input.chain);
    const commitments = await executeBlocksStatelessly({
      common,
      blocks: input.blocks,
      witnesses: input.witnesses,
    });
    return { ok: true, commitments };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
