import { createHash } from 'node:crypto';
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

/** A pool or one of its clients: what the table modules run their statements on. */
export interface Queryable {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

const names = new Map<string, string>();

/**
 * Runs a statement of fixed text as a named prepared statement: each connection parses and plans it
 * once, then only binds values (the hot path's statements run thousands of times a second).
 */
export function runPrepared<R extends QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[],
): Promise<QueryResult<R>> {
  let name = names.get(text);
  if (name === undefined) {
    name = `strata_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return db.query<R>({ name, text, values });
}
