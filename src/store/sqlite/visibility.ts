import type Database from 'better-sqlite3';
import type { ListPage } from '../store.js';
import type { VisibilityField, VisibilityFilter, VisibilityValue } from '../visibility-filter.js';
import { type ExecutionRow, toExecutionRecord } from './executions.js';

const columns: Record<VisibilityField, string> = {
  workflowId: 'workflow_id',
  workflowType: 'workflow_type',
  status: 'status',
  taskQueue: 'task_queue',
  startTime: 'start_time_ms',
  closeTime: 'close_time_ms',
};

interface CompiledFilter {
  sql: string;
  params: VisibilityValue[];
}

/** Compiles the parsed query to a WHERE fragment with bound parameters (never string-spliced values). */
export function compileFilter(filter: VisibilityFilter): CompiledFilter {
  switch (filter.kind) {
    case 'comparison':
      return { sql: `${columns[filter.field]} ${filter.operator} ?`, params: [filter.value] };
    case 'in': {
      const marks = filter.values.map(() => '?').join(', ');
      return {
        sql: `${columns[filter.field]} ${filter.negated ? 'NOT IN' : 'IN'} (${marks})`,
        params: filter.values,
      };
    }
    case 'and':
    case 'or': {
      const left = compileFilter(filter.left);
      const right = compileFilter(filter.right);
      return {
        sql: `(${left.sql}) ${filter.kind === 'and' ? 'AND' : 'OR'} (${right.sql})`,
        params: [...left.params, ...right.params],
      };
    }
    case 'not': {
      const operand = compileFilter(filter.operand);
      return { sql: `NOT (${operand.sql})`, params: operand.params };
    }
    default: {
      const unexpected: never = filter;
      throw new Error(`unknown filter ${JSON.stringify(unexpected)}`);
    }
  }
}

interface Cursor {
  startTimeMs: number;
  runId: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  if (
    typeof value === 'object' &&
    value !== null &&
    'startTimeMs' in value &&
    typeof value.startTimeMs === 'number' &&
    'runId' in value &&
    typeof value.runId === 'string'
  ) {
    return { startTimeMs: value.startTimeMs, runId: value.runId };
  }
  throw new Error('malformed list cursor');
}

/** List and count over the executions table; ad-hoc statements because the filter varies. */
export class VisibilityQueries {
  constructor(private readonly db: Database.Database) {}

  list(namespace: string, filter: VisibilityFilter | undefined, pageSize: number, cursor?: string): ListPage {
    const where = ['namespace = ?'];
    const params: VisibilityValue[] = [namespace];
    if (filter) {
      const compiled = compileFilter(filter);
      where.push(`(${compiled.sql})`);
      params.push(...compiled.params);
    }
    if (cursor) {
      const after = decodeCursor(cursor);
      where.push('(start_time_ms < ? OR (start_time_ms = ? AND run_id < ?))');
      params.push(after.startTimeMs, after.startTimeMs, after.runId);
    }
    const rows = this.db
      .prepare<VisibilityValue[], ExecutionRow>(
        `SELECT * FROM executions WHERE ${where.join(' AND ')}
         ORDER BY start_time_ms DESC, run_id DESC LIMIT ${pageSize + 1}`,
      )
      .all(...params);
    const records = rows.slice(0, pageSize).map(toExecutionRecord);
    const last = records.at(-1);
    if (rows.length > pageSize && last) {
      return { records, nextCursor: encodeCursor({ startTimeMs: last.startTimeMs, runId: last.runId }) };
    }
    return { records };
  }

  count(namespace: string, filter: VisibilityFilter | undefined): number {
    let sql = 'SELECT COUNT(*) AS n FROM executions WHERE namespace = ?';
    const params: VisibilityValue[] = [namespace];
    if (filter) {
      const compiled = compileFilter(filter);
      sql += ` AND (${compiled.sql})`;
      params.push(...compiled.params);
    }
    return this.db.prepare<VisibilityValue[], { n: number }>(sql).get(...params)?.n ?? 0;
  }
}
