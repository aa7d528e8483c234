import { describe, expect, it } from 'vitest';
import { type Column, formatKeyValues, formatTable, truncate } from '../../src/cli/output.js';

interface Row {
  id: string;
  status: string;
}

const columns: Column<Row>[] = [
  { header: 'WorkflowId', value: (r) => r.id },
  { header: 'Status', value: (r) => r.status },
];

describe('formatTable', () => {
  it('aligns every column under its header, two spaces apart, without trailing spaces', () => {
    const text = formatTable(columns, [
      { id: 'a', status: 'RUNNING' },
      { id: 'order-12345678', status: 'COMPLETED' },
    ]);
    expect(text.split('\n')).toEqual([
      'WorkflowId      Status',
      'a               RUNNING',
      'order-12345678  COMPLETED',
    ]);
  });

  it('prints only the headers when there are no rows', () => {
    expect(formatTable(columns, [])).toBe('WorkflowId  Status');
  });

  it('keeps a multi-line cell on one line so rows stay aligned', () => {
    const text = formatTable(columns, [{ id: 'x', status: 'line one\n  line two' }]);
    expect(text.split('\n')[1]).toBe('x           line one line two');
  });
});

describe('formatKeyValues', () => {
  it('aligns values and leaves out undefined entries', () => {
    const text = formatKeyValues(
      [
        ['Status', 'RUNNING'],
        ['CloseTime', undefined],
        ['HistoryLength', '5'],
      ],
      '  ',
    );
    expect(text).toBe('  Status         RUNNING\n  HistoryLength  5');
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text with an ellipsis at the limit', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('0123456789abc', 10)).toBe('012345678…');
    expect(truncate('0123456789abc', 10)).toHaveLength(10);
  });
});
