/**
 * The dependency rule of the monorepo, by project tag:
 * - core depends on nothing of ours;
 * - packages never depend on plugins or apps;
 * - plugins never depend on other plugins or on apps;
 * - nothing depends on tools.
 */
export interface ProjectInfo {
  readonly name: string;
  readonly root: string;
  readonly tags: readonly string[];
}

export interface Dependency {
  readonly from: string;
  readonly to: string;
  /** Where the dependency was seen: a package.json field or a source file and line. */
  readonly where: string;
}

export interface Violation extends Dependency {
  readonly rule: string;
}

interface Rule {
  readonly description: string;
  applies(from: ProjectInfo): boolean;
  forbids(from: ProjectInfo, to: ProjectInfo): boolean;
}

const has = (p: ProjectInfo, tag: string) => p.tags.includes(tag);

export const RULES: readonly Rule[] = [
  {
    description: "core depends on nothing of ours",
    applies: (from) => has(from, "scope:core"),
    forbids: () => true,
  },
  {
    description: "packages never depend on plugins or apps",
    applies: (from) => has(from, "type:package"),
    forbids: (_from, to) => has(to, "type:plugin") || has(to, "type:app"),
  },
  {
    description: "plugins never depend on other plugins or on apps",
    applies: (from) => has(from, "type:plugin"),
    forbids: (from, to) => (has(to, "type:plugin") && to.name !== from.name) || has(to, "type:app"),
  },
  {
    description: "nothing depends on tools",
    applies: (from) => !has(from, "type:tool"),
    forbids: (_from, to) => has(to, "type:tool"),
  },
];

export function findViolations(
  projects: readonly ProjectInfo[],
  dependencies: readonly Dependency[],
): Violation[] {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const violations: Violation[] = [];
  for (const dependency of dependencies) {
    const from = byName.get(dependency.from);
    const to = byName.get(dependency.to);
    if (!from || !to || from === to) continue;
    for (const rule of RULES) {
      if (rule.applies(from) && rule.forbids(from, to)) {
        violations.push({ ...dependency, rule: rule.description });
      }
    }
  }
  return violations;
}
