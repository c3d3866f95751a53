/** The two SQL engines the task store runs on. */
export type SqlDialect = "sqlite" | "postgres";
