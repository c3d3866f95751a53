/** Which proving system made a receipt. Tags match zkaleido: Native=0, SP1=1, Risc0=2. */
export type ZkVm = "native" | "sp1" | "risc0";

/** What kind of proof the receipt carries. Tags match zkaleido: Core=0, Compressed=1, Groth16=2. */
export type ProofType = "core" | "compressed" | "groth16";

export interface ReceiptMetadata {
  readonly zkvm: ZkVm;
  /** 32 bytes identifying the program (for the native host, a hash of its name and version). */
  readonly programId: Uint8Array;
  readonly version: string;
  readonly proofType: ProofType;
}

/** A proof with the public values it attests to: zkaleido's `ProofReceiptWithMetadata`. */
export interface ProofReceipt {
  readonly proof: Uint8Array;
  readonly publicValues: Uint8Array;
  readonly metadata: ReceiptMetadata;
}
