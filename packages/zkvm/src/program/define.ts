import type { ProgramDescriptor, ProofType } from "@paas/core";
import { toHexDigits } from "@paas/core/contracts";
import { ProgramDefinitionError } from "../errors.js";
import { isProofType, KNOWN_PROOF_TYPES } from "../receipt/tags.js";
import type { GuestEnv } from "./env.js";
import type { InputWriter } from "./input.js";
import { programIdOf } from "./program-id.js";
import { registerProgram } from "./registry.js";

export interface ProgramDefinition<Input, Output> {
  readonly name: string;
  /** Bump it whenever the guest's behaviour changes: it is half of the program id. */
  readonly version: string;
  /** Defaults to "compressed", the proof type recursion consumes. */
  readonly proofType?: ProofType;
  /**
   * `import.meta.url` of the module calling `defineProgram`. A proving worker imports it, which
   * defines the program there too; keep such modules free of other side effects.
   */
  readonly module: string;
  /** Host side: turns the input into guest input items. */
  writeInput(input: Input, writer: InputWriter): void;
  /** The guest, run in a worker: synchronous, reads its input, commits its public values. */
  guest(env: GuestEnv): void;
  /** Decodes the guest's public values (see `decodeCommitted`, `PublicValuesReader`). */
  readOutput(publicValues: Uint8Array): Output;
}

/** A program the native host can prove; it satisfies core's `ProgramDescriptor`. */
export interface Program<Input = unknown, Output = unknown> extends ProgramDescriptor {
  readonly name: string;
  readonly version: string;
  readonly proofType: ProofType;
  /** 32 bytes (a fresh copy on each read): see `programIdOf`. */
  readonly programId: Uint8Array;
  readonly programIdHex: string;
  readonly moduleUrl: string;
  writeInput(input: Input, writer: InputWriter): void;
  guest(env: GuestEnv): void;
  readOutput(publicValues: Uint8Array): Output;
}

// A registered symbol, so programs made by another copy of this module are still recognised.
const BRAND = Symbol.for("@paas/zkvm/program");

export function defineProgram<Input, Output>(
  definition: ProgramDefinition<Input, Output>,
): Program<Input, Output> {
  const { name, version, module } = definition;
  const proofType = definition.proofType ?? "compressed";
  const invalid = (message: string) =>
    new ProgramDefinitionError("PROGRAM_INVALID", `program "${name}" version "${version}": ${message}`);
  const id = programIdOf(name, version);
  if (!isProofType(proofType))
    throw invalid(`proof type "${String(proofType)}" is unknown (${KNOWN_PROOF_TYPES})`);
  if (!isFileUrl(module)) {
    throw invalid(
      `module must be the defining module's import.meta.url (a file: URL), got ${JSON.stringify(module)}`,
    );
  }
  for (const hook of ["writeInput", "guest", "readOutput"] as const) {
    if (typeof definition[hook] !== "function") throw invalid(`${hook} must be a function`);
  }
  const program: Program<Input, Output> = Object.freeze({
    name,
    version,
    proofType,
    get programId() {
      return id.slice();
    },
    programIdHex: toHexDigits(id),
    moduleUrl: module,
    writeInput: definition.writeInput,
    guest: definition.guest,
    readOutput: definition.readOutput,
    [BRAND]: true,
  });
  registerProgram(program);
  return program;
}

/** Whether a core `ProgramDescriptor` is a program made by `defineProgram`. */
export function isProgram(value: unknown): value is Program {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

function isFileUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    return new URL(value).protocol === "file:";
  } catch {
    return false;
  }
}
