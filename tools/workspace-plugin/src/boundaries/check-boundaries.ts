import path from "node:path";
import { findViolations } from "./rules.js";
import { listProjects, scanDependencies } from "./scan.js";

/** CLI: exits 1 and lists every import or declared dependency that breaks the dependency rule. */
const workspaceRoot = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "../../../.."));
const projects = listProjects(workspaceRoot);
const violations = findViolations(projects, scanDependencies(projects));
if (violations.length === 0) {
  console.log(`dependency rule holds across ${projects.length} projects`);
} else {
  for (const v of violations) console.error(`${v.from} -> ${v.to} (${v.where}): ${v.rule}`);
  console.error(`${violations.length} dependency rule violation(s)`);
  process.exitCode = 1;
}
