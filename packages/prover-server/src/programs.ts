import { findPluginDefinition, InvalidConfigError } from "@paas/core";
import { isProgram, type Program, type RemoteProgramRef } from "@paas/zkvm";

/**
 * The programs a server proves by default: those of the repository's three proof types, loaded by
 * package name at run time (this package does not depend on plugins; installing them is the
 * deployment's business).
 */
export const DEFAULT_PLUGIN_PACKAGES: readonly string[] = [
  "@paas/plugin-evm-ee-stf",
  "@paas/plugin-cl-stf",
  "@paas/plugin-checkpoint",
];

/** A program to prove, or the name of a package whose `@ProofPlugin` classes carry programs. */
export type ProgramSource = Program<unknown, unknown> | string;

/** The programs a server proves, by program id. It proves nothing else. */
export class ProgramCatalogue {
  private constructor(private readonly byId: ReadonlyMap<string, Program<unknown, unknown>>) {}

  static async load(sources: readonly ProgramSource[]): Promise<ProgramCatalogue> {
    const byId = new Map<string, Program<unknown, unknown>>();
    for (const source of sources) {
      const programs = typeof source === "string" ? await programsOfPackage(source) : [checked(source)];
      for (const program of programs) {
        if (!byId.has(program.programIdHex)) byId.set(program.programIdHex, program);
      }
    }
    if (byId.size === 0) throw new InvalidConfigError("prover server: no programs to prove");
    return new ProgramCatalogue(byId);
  }

  /** The program a client names, if its id is known and its name and version match that id's. */
  find(ref: RemoteProgramRef): Program<unknown, unknown> | undefined {
    const program = this.byId.get(ref.programId);
    return program?.name === ref.name && program.version === ref.version ? program : undefined;
  }

  byProgramId(programId: string): Program<unknown, unknown> | undefined {
    return this.byId.get(programId);
  }

  list(): RemoteProgramRef[] {
    return [...this.byId.values()].map(refOf);
  }
}

export function refOf(program: Program<unknown, unknown>): RemoteProgramRef {
  return { name: program.name, version: program.version, programId: program.programIdHex };
}

async function programsOfPackage(name: string): Promise<Program<unknown, unknown>[]> {
  let exports: Record<string, unknown>;
  try {
    exports = await import(name);
  } catch (error) {
    throw new InvalidConfigError(
      `prover server: cannot load plugin package "${name}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const programs = Object.values(exports).flatMap((value) => {
    const definition = findPluginDefinition(value);
    if (!definition) return [];
    if (!isProgram(definition.program)) {
      throw new InvalidConfigError(
        `prover server: plugin "${definition.kind}" of package "${name}" carries program "${definition.program.name}", which is not a @paas/zkvm program`,
      );
    }
    return [definition.program as Program<unknown, unknown>];
  });
  if (programs.length === 0) {
    throw new InvalidConfigError(`prover server: package "${name}" exports no @ProofPlugin class`);
  }
  return programs;
}

function checked(program: Program<unknown, unknown>): Program<unknown, unknown> {
  if (!isProgram(program)) {
    throw new InvalidConfigError(
      "prover server: programs must be made by defineProgram() from @paas/zkvm, or be plugin package names",
    );
  }
  return program;
}
