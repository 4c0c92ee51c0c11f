// Versioned schema migrations, in SQL that both SQLite and PostgreSQL accept. Append only.
export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE resources (
         kind TEXT NOT NULL,
         arn TEXT NOT NULL,
         scope TEXT NOT NULL,
         parent TEXT NOT NULL,
         name TEXT NOT NULL,
         due DOUBLE PRECISION,
         doc TEXT NOT NULL,
         PRIMARY KEY (kind, arn)
       )`,
      "CREATE INDEX resources_by_parent ON resources (kind, scope, parent, arn)",
      "CREATE INDEX resources_by_name ON resources (kind, scope, parent, name, arn)",
      "CREATE INDEX resources_by_scope ON resources (kind, scope, arn)",
      "CREATE INDEX resources_due ON resources (due) WHERE due IS NOT NULL",
    ],
  },
  {
    // Every query names a parent, so (kind, scope, parent, ...) serves them all; one index fewer
    // to write for each of the hundred thousand task rows a large convergence inserts.
    version: 2,
    statements: ["DROP INDEX resources_by_scope"],
  },
];
