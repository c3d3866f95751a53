import {
  InvalidContextError,
  type ProgramDescriptor,
  type ProofContext,
  type ProofPluginHandler,
  type ProofReceipt,
  type ProofType,
  type ZkVmHost,
} from "@paas/core";
import { programIdOf, receiptMessage, signSchnorr } from "@paas/zkvm";

/**
 * A proof type the plugin under test depends on, stood in for: its tasks "prove" by having the
 * harness sign the public values the test supplies, with the harness host's key and the real
 * program identity. The plugin under test verifies them exactly as it would real receipts, so a
 * plugin is tested without the plugins it depends on installed.
 */
export interface StandIn {
  readonly kind: string;
  /** The identity of the program whose receipts this stands in for. */
  readonly program: ProgramDescriptor;
  /** Public values of the receipt for a context (by convention, the SSZ of the program's output). */
  publicValues(context: ProofContext): Uint8Array | Promise<Uint8Array>;
  /** Accepts or refuses a context at submit time; default: any context of the kind. */
  parseContext?(raw: ProofContext): ProofContext;
}

/** Signs a receipt for any program identity with a secret key, exactly as the native host does. */
export function signReceipt(
  secretKey: Uint8Array,
  program: ProgramDescriptor,
  publicValues: Uint8Array,
): ProofReceipt {
  const metadata = {
    zkvm: "native" as const,
    programId: programIdOf(program.name, program.version),
    version: program.version,
    proofType: (program.proofType ?? "compressed") as ProofType,
  };
  const proof = signSchnorr(receiptMessage(publicValues, metadata), secretKey);
  return { proof, publicValues, metadata };
}

/** The plugin a stand-in registers: its input is the public values to sign. */
export class StandInPlugin implements ProofPluginHandler {
  constructor(private readonly standIn: StandIn) {}

  parseContext(raw: ProofContext): ProofContext {
    if (raw.kind !== this.standIn.kind) throw new InvalidContextError(`expected kind ${this.standIn.kind}`);
    return this.standIn.parseContext ? this.standIn.parseContext(raw) : raw;
  }

  async fetchInput(context: ProofContext): Promise<Uint8Array> {
    return this.standIn.publicValues(context);
  }
}

/** The host stand-in kinds prove on: signs its input as public values, in this thread. */
export class StandInHost implements ZkVmHost {
  readonly zkvm = "native" as const;
  readonly concurrency = 4;
  readonly proved: string[] = [];

  constructor(
    readonly backend: string,
    private readonly secretKey: Uint8Array,
  ) {}

  async prove(program: ProgramDescriptor, input: unknown): Promise<ProofReceipt> {
    if (!(input instanceof Uint8Array)) throw new TypeError("a stand-in's input must be its public values");
    this.proved.push(program.name);
    return signReceipt(this.secretKey, program, input);
  }

  async close(): Promise<void> {}
}
