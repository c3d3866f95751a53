import type { ProofType, ZkVm } from "@paas/core";

/** zkaleido's `ZkVm` discriminants: the byte after the public values in the receipt layout. */
const ZKVMS: readonly ZkVm[] = ["native", "sp1", "risc0"];

/** zkaleido's `ProofType` discriminants: the last byte of the receipt layout. */
const PROOF_TYPES: readonly ProofType[] = ["core", "compressed", "groth16"];

export function zkvmTag(zkvm: ZkVm): number {
  return ZKVMS.indexOf(zkvm);
}

export function zkvmFromTag(tag: number): ZkVm | undefined {
  return ZKVMS[tag];
}

export function proofTypeTag(proofType: ProofType): number {
  return PROOF_TYPES.indexOf(proofType);
}

export function proofTypeFromTag(tag: number): ProofType | undefined {
  return PROOF_TYPES[tag];
}

export function isZkVm(value: unknown): value is ZkVm {
  return typeof value === "string" && (ZKVMS as readonly string[]).includes(value);
}

export function isProofType(value: unknown): value is ProofType {
  return typeof value === "string" && (PROOF_TYPES as readonly string[]).includes(value);
}

export const KNOWN_ZKVMS = ZKVMS.map((name, tag) => `${tag} ${name}`).join(", ");
export const KNOWN_PROOF_TYPES = PROOF_TYPES.map((name, tag) => `${tag} ${name}`).join(", ");
