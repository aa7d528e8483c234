/**
 * Plain-text output for humans (aligned tables and key/value blocks) and JSON for scripts.
 */

export type OutputFormat = 'table' | 'json';

/** One table column: its header and how to read a cell from a row. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
}

const GAP = '  ';

/** Aligns rows under their headers, left-justified, two spaces between columns, no trailing spaces. */
export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = [
    columns.map((c) => c.header),
    ...rows.map((row) => columns.map((c) => oneLine(c.value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join(GAP)
        .trimEnd(),
    )
    .join('\n');
}

/** `key  value` lines with the values aligned; entries whose value is `undefined` are left out. */
export function formatKeyValues(
  entries: readonly (readonly [string, string | undefined])[],
  indent = '',
): string {
  const present = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  const width = Math.max(0, ...present.map(([key]) => key.length));
  return present
    .map(([key, value]) => `${indent}${key.padEnd(width)}${GAP}${oneLine(value)}`.trimEnd())
    .join('\n');
}

/** Shortens text for a table cell, marking the cut with an ellipsis. */
export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, Math.max(0, maxLength - 1))}…`;
}

/** A value as compact JSON for a table cell; `undefined` reads as empty. */
export function compactJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/** One JSON document, pretty-printed, Dates as ISO strings; `undefined` becomes `null` so it stays valid JSON. */
export function toJsonDocument(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

export function formatTime(date: Date | undefined): string | undefined {
  return date?.toISOString();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** `{ workflowId: 'x' }` as `[['WorkflowId', 'x']]` for key/value blocks. */
export function titleCase(record: Record<string, string | undefined>): [string, string | undefined][] {
  return Object.entries(record).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value]);
}
