import path from "node:path";
import { staleIdentityCopies } from "./identity-copies.js";
import { findViolations } from "./rules.js";
import { listProjects, scanDependencies } from "./scan.js";

/**
 * CLI: exits 1 and lists every import or declared dependency that breaks the dependency rule, and
 * every copy of a proof type's identity that is out of step with the plugin defining it.
 */
const workspaceRoot = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "../../../.."));
const projects = listProjects(workspaceRoot);
const violations = findViolations(projects, scanDependencies(projects));
const stale = staleIdentityCopies(projects);
if (violations.length === 0 && stale.length === 0) {
  console.log(`dependency rule holds across ${projects.length} projects; identity copies are in step`);
} else {
  for (const v of violations) console.error(`${v.from} -> ${v.to} (${v.where}): ${v.rule}`);
  for (const problem of stale) console.error(problem);
  console.error(
    `${violations.length} dependency rule violation(s), ${stale.length} identity copy(ies) out of step`,
  );
  process.exitCode = 1;
}
