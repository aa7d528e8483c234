import { describe, expect, it } from 'vitest';
import type { SearchAttributeTypeName } from '../../common/search-attributes.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import { parseVisibilityQuery } from './query-parser.js';

const registry = new Map<string, SearchAttributeTypeName>([
  ['Customer', 'Keyword'],
  ['Notes', 'Text'],
  ['Amount', 'Int'],
  ['Score', 'Double'],
  ['Vip', 'Bool'],
  ['DueAt', 'Datetime'],
  ['Tags', 'KeywordList'],
]);
const filterOf = (query: string) => parseVisibilityQuery(query, registry).filter;
const closed = { kind: 'comparison', field: 'closeTime', operator: '>', value: 0 } as const;

describe('visibility query parser', () => {
  it.each([
    ['', undefined],
    ['   ', undefined],
    ['WorkflowType = "order"', { kind: 'comparison', field: 'workflowType', operator: '=', value: 'order' }],
    [
      "Status = 'Running'",
      { kind: 'comparison', field: 'status', operator: '=', value: WorkflowExecutionStatus.RUNNING },
    ],
    [
      'ExecutionStatus != "TimedOut"',
      { kind: 'comparison', field: 'status', operator: '!=', value: WorkflowExecutionStatus.TIMED_OUT },
    ],
    [
      'StartTime >= "2024-01-01T00:00:00Z"',
      { kind: 'comparison', field: 'startTime', operator: '>=', value: Date.UTC(2024, 0, 1) },
    ],
    [
      'CloseTime < 1700000000000',
      {
        kind: 'and',
        left: closed,
        right: { kind: 'comparison', field: 'closeTime', operator: '<', value: 1_700_000_000_000 },
      },
    ],
    ['TaskQueue IN ("a", \'b\')', { kind: 'in', field: 'taskQueue', values: ['a', 'b'], negated: false }],
    ['WorkflowId NOT IN ("x")', { kind: 'in', field: 'workflowId', values: ['x'], negated: true }],
    [
      'WorkflowId STARTS_WITH "order-"',
      { kind: 'comparison', field: 'workflowId', operator: 'startsWith', value: 'order-' },
    ],
    ['CloseTime IS NULL', { kind: 'comparison', field: 'closeTime', operator: '=', value: 0 }],
  ])('parses %j', (query, expected) => {
    expect(filterOf(query)).toEqual(expected);
  });

  it.each([
    ['Customer = "acme"', { kind: 'attribute', name: 'Customer', operator: '=', value: 'acme' }],
    ['Amount > 10', { kind: 'attribute', name: 'Amount', operator: '>', value: 10 }],
    ['Score <= 2.5', { kind: 'attribute', name: 'Score', operator: '<=', value: 2.5 }],
    ['Vip = true', { kind: 'attribute', name: 'Vip', operator: '=', value: 1 }],
    [
      'DueAt < "2024-01-01T00:00:00Z"',
      { kind: 'attribute', name: 'DueAt', operator: '<', value: Date.UTC(2024, 0, 1) },
    ],
    ['Tags = "red"', { kind: 'attribute', name: 'Tags', operator: '=', value: 'red' }],
    ['Tags IN ("red", "blue")', { kind: 'attributeIn', name: 'Tags', values: ['red', 'blue'] }],
    ['Notes = "Rush ORDER"', { kind: 'attributeIn', name: 'Notes', values: ['rush', 'order'] }],
    [
      'Customer STARTS_WITH "ac"',
      { kind: 'attribute', name: 'Customer', operator: 'startsWith', value: 'ac' },
    ],
    ['Customer IS NOT NULL', { kind: 'attributeExists', name: 'Customer' }],
    ['Customer IS NULL', { kind: 'not', operand: { kind: 'attributeExists', name: 'Customer' } }],
    [
      'Customer != "acme"',
      {
        kind: 'and',
        left: { kind: 'attributeExists', name: 'Customer' },
        right: {
          kind: 'not',
          operand: { kind: 'attribute', name: 'Customer', operator: '=', value: 'acme' },
        },
      },
    ],
    [
      'Amount BETWEEN 1 AND 5',
      {
        kind: 'and',
        left: { kind: 'attribute', name: 'Amount', operator: '>=', value: 1 },
        right: { kind: 'attribute', name: 'Amount', operator: '<=', value: 5 },
      },
    ],
    ['Patches = "fix-1"', { kind: 'attribute', name: 'Patches', operator: '=', value: 'fix-1' }],
    [
      'TemporalChangeVersion = "fix-1"',
      { kind: 'attribute', name: 'Patches', operator: '=', value: 'fix-1' },
    ],
  ])('custom attributes: parses %j', (query, expected) => {
    expect(filterOf(query)).toEqual(expected);
  });

  it('gives AND precedence over OR and honours parentheses and NOT', () => {
    expect(filterOf('WorkflowId = "a" OR WorkflowId = "b" AND Status = "Running"')).toEqual({
      kind: 'or',
      left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'a' },
      right: {
        kind: 'and',
        left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'b' },
        right: { kind: 'comparison', field: 'status', operator: '=', value: 1 },
      },
    });
    expect(filterOf('not (WorkflowId = "a" or WorkflowId = "b")')).toEqual({
      kind: 'not',
      operand: {
        kind: 'or',
        left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'a' },
        right: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'b' },
      },
    });
  });

  it('reads ORDER BY, with or without a condition; StartTime DESC is the default', () => {
    expect(parseVisibilityQuery('', registry).order).toEqual({ field: 'startTime', direction: 'desc' });
    expect(parseVisibilityQuery('ORDER BY StartTime DESC', registry)).toEqual({
      filter: undefined,
      order: { field: 'startTime', direction: 'desc' },
    });
    expect(parseVisibilityQuery('Customer = "a" order by CloseTime', registry).order).toEqual({
      field: 'closeTime',
      direction: 'asc',
    });
  });

  it.each([
    ['Foo = "x"', '[INVALID_QUERY] unknown attribute "Foo" at position 0; known: WorkflowId'],
    ['Foo = "x"', 'strata operator search-attribute create --name Foo --type <Text|Keyword|Int'],
    ['customer = "x"', 'custom attribute names are case sensitive: did you mean "Customer"?'],
    ['WorkflowId = ', 'expected a value at position 13, found end of query'],
    ['Status = "Sleeping"', 'unknown status "Sleeping" at position 9'],
    ['StartTime > "yesterday"', 'invalid time "yesterday" at position 12'],
    ['WorkflowId = "a" extra', 'unexpected "extra" at position 17'],
    ['(WorkflowId = "a"', 'expected ")" at position 17'],
    ['WorkflowId = "a', 'unterminated string starting at position 13'],
    ['WorkflowId ~ "a"', 'unexpected character "~" at position 11'],
    ['Amount = "ten"', 'invalid value "ten" for Amount (Int) at position 9; expected a whole number'],
    ['Amount = 1.5', 'invalid value "1.5" for Amount (Int) at position 9; expected a whole number'],
    ['Customer = 5', 'invalid value "5" for Customer (Keyword) at position 11; expected a quoted text'],
    ['Vip = "yes"', 'invalid value "yes" for Vip (Bool) at position 6; expected true or false'],
    ['Vip > true', '> at position 4 does not apply to Vip (Bool)'],
    ['Tags BETWEEN "a" AND "b"', 'BETWEEN at position 5 does not apply to Tags (KeywordList)'],
    [
      'Amount STARTS_WITH "1"',
      'STARTS_WITH at position 7 applies to Keyword, KeywordList and Text attributes; Amount is Int',
    ],
    [
      'WorkflowId LIKE "a%"',
      'LIKE at position 11 is not supported; to match the start of a text use STARTS_WITH',
    ],
    ['WorkflowId IS NULL', 'WorkflowId is set on every execution'],
    ['Notes = "--"', 'has no words to match in Text attribute Notes'],
    ['ORDER BY Customer', 'cannot ORDER BY Customer at position 9'],
    ['Amount BETWEEN 1 5', 'expected AND after BETWEEN and its first value at position 17'],
  ])('rejects %j naming the position and what was expected', (query, message) => {
    expect(() => parseVisibilityQuery(query, registry)).toThrow(message);
  });
});
