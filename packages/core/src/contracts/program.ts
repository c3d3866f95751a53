import type { ProofType } from "./receipt.js";

/**
 * What core needs to know of a program: a name and version for routing, logs and metrics.
 * Hosts know the rest (for the native host, the guest function and its codecs; for a real zkVM,
 * an ELF); core passes the program through to the host untouched.
 */
export interface ProgramDescriptor {
  readonly name: string;
  readonly version: string;
  readonly proofType?: ProofType;
}
