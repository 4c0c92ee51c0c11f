// Versioned schema migrations, in SQL that both SQLite and PostgreSQL accept. Append only.
export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
  /** After the statements: derive every row's key columns (and counts) again from its document. */
  readonly rekey?: boolean;
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
  {
    // What each row counts toward its parent (a cluster's services, tasks and instances), and the
    // sums per parent that SQLite keeps as rows change, so a cluster's counts are one read.
    version: 3,
    statements: [
      "ALTER TABLE resources ADD COLUMN counts TEXT",
      "CREATE TABLE totals (scope TEXT NOT NULL, parent TEXT NOT NULL, name TEXT NOT NULL, value BIGINT NOT NULL, PRIMARY KEY (scope, parent, name))",
    ],
    rekey: true,
  },
];
