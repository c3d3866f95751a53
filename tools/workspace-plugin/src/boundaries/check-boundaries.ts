import path from "node:path";
import { conventionProblems, filesOnDisk } from "./conventions.js";
import { staleIdentityCopies } from "./identity-copies.js";
import { findViolations } from "./rules.js";
import { listProjects, scanDependencies } from "./scan.js";

/**
 * CLI: exits 1 and lists every import or declared dependency that breaks the dependency rule,
 * every copy of a proof type's identity that is out of step with the plugin defining it, and every
 * project that departs from the layout packages and plugins share (README, examples, settings,
 * test utilities).
 */
const workspaceRoot = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "../../../.."));
const projects = listProjects(workspaceRoot);
const violations = findViolations(projects, scanDependencies(projects));
const stale = staleIdentityCopies(projects);
const unconventional = projects.flatMap((p) => conventionProblems(p, filesOnDisk(p.root)));
if (violations.length === 0 && stale.length === 0 && unconventional.length === 0) {
  console.log(
    `dependency rule holds across ${projects.length} projects; identity copies are in step; every project follows the conventions`,
  );
} else {
  for (const v of violations) console.error(`${v.from} -> ${v.to} (${v.where}): ${v.rule}`);
  for (const problem of [...stale, ...unconventional]) console.error(problem);
  console.error(
    `${violations.length} dependency rule violation(s), ${stale.length} identity copy(ies) out of step, ` +
      `${unconventional.length} departure(s) from the conventions`,
  );
  process.exitCode = 1;
}
