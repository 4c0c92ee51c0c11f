// Portable SQL for list queries, shared by the SQLite and PostgreSQL stores: one statement per
// query shape (which optional filters are present), `?` placeholders.
import type { Kind, ListQuery } from "./store";

export function listSql(columns: string, query: ListQuery, counting: boolean): string {
  let sql = `SELECT ${columns} FROM resources WHERE kind = ? AND scope = ? AND parent = ?`;
  if (query.name !== undefined) sql += " AND name = ?";
  if (query.afterArn !== undefined) sql += " AND arn > ?";
  if (counting) return sql;
  sql += " ORDER BY arn";
  if (query.limit !== undefined) sql += ` LIMIT ${LIMIT_PARAMETER}`;
  return sql;
}

/**
 * A LIMIT given as a parameter, in an expression. SQLite's planner reads the value bound to a bare
 * `LIMIT ?` when it plans, so every new binding expires the statement and the next run prepares it
 * again: 5-6 µs a listing (ListClusters cost 35 µs more than DescribeClusters), and as much for the
 * scheduler's every look at what is due. Inside an expression the value is only read when the
 * statement runs. PostgreSQL takes it alike.
 */
export const LIMIT_PARAMETER = "CAST(? AS INTEGER)";

/** The parameters of listSql's statement for this query, in its order. */
export function listParams(kind: Kind, query: ListQuery, counting: boolean): (string | number)[] {
  const params: (string | number)[] = [kind, query.scope, query.parent];
  if (query.name !== undefined) params.push(query.name);
  if (query.afterArn !== undefined) params.push(query.afterArn);
  if (!counting && query.limit !== undefined) params.push(query.limit);
  return params;
}

/** A number for each query shape, for statement caches. */
export function listShape(query: ListQuery, counting: boolean): number {
  return (query.name !== undefined ? 1 : 0) | (query.afterArn !== undefined ? 2 : 0) | (!counting && query.limit !== undefined ? 4 : 0);
}
