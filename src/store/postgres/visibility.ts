import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import { columns, prefixUpperBound } from '../sqlite/visibility.js';
import type { ListPage } from '../store.js';
import {
  type ComparisonOperator,
  defaultVisibilityOrder,
  type VisibilityFilter,
  type VisibilityOrder,
  type VisibilityValue,
} from '../visibility-filter.js';
import { type ExecutionRow, executionColumns, toExecutionRecord } from './executions.js';
import type { Queryable } from './queryable.js';

/** Collects bound parameters; `add` returns the `$n` placeholder of the value. */
class Params {
  readonly values: VisibilityValue[] = [];
  add(value: VisibilityValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `column operator value`; a prefix match is the range [prefix, bound), so an index serves it. */
function comparison(
  column: string,
  operator: ComparisonOperator,
  value: VisibilityValue,
  params: Params,
): string {
  if (operator === '!=') return `${column} <> ${params.add(value)}`;
  if (operator !== 'startsWith') return `${column} ${operator} ${params.add(value)}`;
  const prefix = String(value);
  const bound = prefixUpperBound(prefix);
  if (bound === undefined) return `${column} >= ${params.add(prefix)}`;
  return `(${column} >= ${params.add(prefix)} AND ${column} < ${params.add(bound)})`;
}

/** The runs having a value of attribute `name` that satisfies `condition`, from the index table. */
function runsWithAttribute(namespace: string, name: string, params: Params, condition?: string): string {
  const where = condition ? ` AND ${condition}` : '';
  return `run_id IN (SELECT run_id FROM search_attribute_values WHERE namespace = ${params.add(namespace)} AND name = ${params.add(name)}${where})`;
}

// Strings compare with the text values and numbers with the numeric ones (SQLite compares them alike).
function valueColumn(value: VisibilityValue): { typeTest: string; column: string } {
  return typeof value === 'number'
    ? { typeTest: 'is_number', column: 'value_number' }
    : { typeTest: 'NOT is_number', column: 'value_text' };
}

/** Compiles the parsed query to a WHERE fragment with bound parameters (never string-spliced values). */
function compileFilter(filter: VisibilityFilter, namespace: string, params: Params): string {
  switch (filter.kind) {
    case 'comparison':
      return comparison(columns[filter.field], filter.operator, filter.value, params);
    case 'in': {
      const marks = filter.values.map((value) => params.add(value)).join(', ');
      return `${columns[filter.field]} ${filter.negated ? 'NOT IN' : 'IN'} (${marks})`;
    }
    case 'attribute': {
      const { typeTest, column } = valueColumn(filter.value);
      return runsWithAttribute(
        namespace,
        filter.name,
        params,
        `${typeTest} AND ${comparison(column, filter.operator, filter.value, params)}`,
      );
    }
    case 'attributeIn': {
      const alternatives = filter.values.map((value) => {
        const { typeTest, column } = valueColumn(value);
        return `(${typeTest} AND ${column} = ${params.add(value)})`;
      });
      return runsWithAttribute(namespace, filter.name, params, `(${alternatives.join(' OR ') || 'false'})`);
    }
    case 'attributeExists':
      return runsWithAttribute(namespace, filter.name, params);
    case 'and':
    case 'or': {
      const left = compileFilter(filter.left, namespace, params);
      const right = compileFilter(filter.right, namespace, params);
      return `(${left}) ${filter.kind === 'and' ? 'AND' : 'OR'} (${right})`;
    }
    case 'not':
      return `NOT (${compileFilter(filter.operand, namespace, params)})`;
    default: {
      const unexpected: never = filter;
      throw new Error(`unknown filter ${JSON.stringify(unexpected)}`);
    }
  }
}

function whereClause(namespace: string, filter: VisibilityFilter | undefined, params: Params): string[] {
  const where = [`namespace = ${params.add(namespace)}`];
  if (filter) where.push(`(${compileFilter(filter, namespace, params)})`);
  return where;
}

/** Keyset pagination on (sort column, run id), as the SQLite adapter does. */
export async function listExecutions(
  db: Queryable,
  namespace: string,
  filter: VisibilityFilter | undefined,
  pageSize: number,
  cursor: string | undefined,
  order: VisibilityOrder = defaultVisibilityOrder,
): Promise<ListPage> {
  const params = new Params();
  const where = whereClause(namespace, filter, params);
  const column = columns[order.field];
  const direction = order.direction === 'asc' ? 'ASC' : 'DESC';
  if (cursor) {
    const after = decodeListCursor(cursor);
    const beyond = order.direction === 'asc' ? '>' : '<';
    where.push(`(${column}, run_id) ${beyond} (${params.add(after.key)}, ${params.add(after.runId)})`);
  }
  const result = await db.query<ExecutionRow>(
    `SELECT ${executionColumns} FROM executions WHERE ${where.join(' AND ')}
     ORDER BY ${column} ${direction}, run_id ${direction} LIMIT ${pageSize + 1}`,
    params.values,
  );
  const page = result.rows.slice(0, pageSize);
  const records = page.map(toExecutionRecord);
  const last = page.at(-1);
  if (result.rows.length > pageSize && last) {
    return {
      records,
      nextCursor: encodeListCursor({ key: last[column] as VisibilityValue, runId: last.run_id }),
    };
  }
  return { records };
}

export async function countExecutions(
  db: Queryable,
  namespace: string,
  filter: VisibilityFilter | undefined,
): Promise<number> {
  const params = new Params();
  const result = await db.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM executions WHERE ${whereClause(namespace, filter, params).join(' AND ')}`,
    params.values,
  );
  return result.rows[0]?.n ?? 0;
}
