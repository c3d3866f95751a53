import { ProgramDefinitionError } from "../errors.js";
import type { Program } from "./define.js";

/**
 * Programs by id (hex), per thread. Kept on `globalThis` under a registered symbol so that two
 * copies of this module (a program imported through another path, a test runner's fresh module
 * graph) still share one registry, and the worker finds what the program module registered.
 */
const KEY = Symbol.for("@paas/zkvm/programs");

function registry(): Map<string, Program> {
  const holder = globalThis as { [KEY]?: Map<string, Program> };
  holder[KEY] ??= new Map();
  return holder[KEY];
}

/**
 * Enters a program. Redefinition from the same module (a module evaluated again) replaces it; the
 * same name and version from another module is a conflict, since both would share one program id.
 */
export function registerProgram(program: Program): void {
  const programs = registry();
  const existing = programs.get(program.programIdHex);
  if (existing && existing.moduleUrl !== program.moduleUrl) {
    throw new ProgramDefinitionError(
      "PROGRAM_CONFLICT",
      `program "${program.name}" version "${program.version}" is defined in both ${existing.moduleUrl} and ${program.moduleUrl}`,
    );
  }
  programs.set(program.programIdHex, program);
}

export function findProgram(programIdHex: string): Program | undefined {
  return registry().get(programIdHex);
}
