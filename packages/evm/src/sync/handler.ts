import { chainSpecHash } from "../chain-spec/chain-spec.js";
import { parseChainSpec } from "../chain-spec/geth-config.js";
import { createCommon } from "../common.js";
import { executeBlocksStatelessly } from "../stateless/execute.js";
import { type SyncResponse, type SyncStatelessInput, serializeError } from "./protocol.js";

/**
 * Runs one request in the helper thread; never throws, the outcome is in the response. `onBlock`
 * is called as each block is proven.
 */
export async function handleSyncRequest(
  input: SyncStatelessInput,
  onBlock?: () => void,
): Promise<SyncResponse> {
  try {
    const spec = parseChainSpec(input.chainSpec, "input: chain spec");
    const common = createCommon(spec);
    const commitments = await executeBlocksStatelessly({
      common,
      blocks: input.blocks,
      witnesses: input.witnesses,
      onBlock,
    });
    return { ok: true, chainSpecHash: chainSpecHash(spec), commitments };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
