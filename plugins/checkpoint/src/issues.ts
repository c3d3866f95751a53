/** The fields of a zod issue this package reads. */
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `interval_ms: Too small: expected number to be >=10; backend: …` */
export function describeIssues(issues: readonly Issue[], root?: string): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      const where = path === "" ? root : root === undefined ? path : `${root}.${path}`;
      return where === undefined ? issue.message : `${where}: ${issue.message}`;
    })
    .join("; ");
}
