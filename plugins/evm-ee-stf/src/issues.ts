/** The fields of a zod issue this package reads (zod's own type, without importing its internals). */
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `end.number: start.number must not exceed end.number; start.hash: …` */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
}
