import path from "node:path";
import { type Devnet, type DevnetOptions, proverPublicKeyFromKeyFile, startDevnet } from "@paas/devnet";
import { CHECKPOINT } from "@paas/rollup";
import { HOST_KEY_FILE, programIdOf } from "@paas/zkvm";

/**
 * A devnet whose CL trusts the prover that will run on `datadir`: the prover's host key file is
 * created there first (the app loads the same file), and the devnet gets its public key.
 */
export async function startTrustingDevnet(
  datadir: string,
  options: Partial<Omit<DevnetOptions, "trustedProverKey" | "checkpointProgramId">> = {},
): Promise<Devnet> {
  return startDevnetTrustingKey(proverPublicKeyFromKeyFile(path.join(datadir, HOST_KEY_FILE)), options);
}

/** A devnet whose CL trusts checkpoint proofs signed with `proverKey` (64 hex digits). */
export function startDevnetTrustingKey(
  proverKey: string | Uint8Array,
  options: Partial<Omit<DevnetOptions, "trustedProverKey" | "checkpointProgramId">> = {},
): Promise<Devnet> {
  return startDevnet({
    port: 0,
    blockTimeMs: 0,
    slotsPerEpoch: 4,
    ...options,
    trustedProverKey: proverKey,
    checkpointProgramId: programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version),
  });
}

/**
 * Checkpoint indices the CL accepted a proof for, with how many valid proofs of each it was sent:
 * the first "accepted", any later one "already-proven". Counting "accepted" alone, the count was 1
 * by construction, and a test asserting "accepted once" could not see a proof published twice.
 */
export function acceptedCheckpoints(devnet: Devnet): Map<number, number> {
  const accepted = new Map<number, number>();
  devnet.chain.subscribe((event) => {
    if (event.type === "proof" && event.result.outcome !== "rejected") {
      accepted.set(event.result.index, (accepted.get(event.result.index) ?? 0) + 1);
    }
  });
  return accepted;
}
