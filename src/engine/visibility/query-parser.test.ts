import { describe, expect, it } from 'vitest';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import { parseVisibilityQuery } from './query-parser.js';

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
      { kind: 'comparison', field: 'closeTime', operator: '<', value: 1_700_000_000_000 },
    ],
    ['TaskQueue IN ("a", \'b\')', { kind: 'in', field: 'taskQueue', values: ['a', 'b'], negated: false }],
    ['WorkflowId NOT IN ("x")', { kind: 'in', field: 'workflowId', values: ['x'], negated: true }],
  ])('parses %j', (query, expected) => {
    expect(parseVisibilityQuery(query)).toEqual(expected);
  });

  it('gives AND precedence over OR and honours parentheses and NOT', () => {
    expect(parseVisibilityQuery('WorkflowId = "a" OR WorkflowId = "b" AND Status = "Running"')).toEqual({
      kind: 'or',
      left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'a' },
      right: {
        kind: 'and',
        left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'b' },
        right: { kind: 'comparison', field: 'status', operator: '=', value: 1 },
      },
    });
    expect(parseVisibilityQuery('not (WorkflowId = "a" or WorkflowId = "b")')).toEqual({
      kind: 'not',
      operand: {
        kind: 'or',
        left: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'a' },
        right: { kind: 'comparison', field: 'workflowId', operator: '=', value: 'b' },
      },
    });
  });

  it.each([
    ['Foo = "x"', '[INVALID_QUERY] unknown attribute "Foo" at position 0; known: WorkflowId'],
    ['WorkflowId = ', 'expected a value at position 13'],
    ['Status = "Sleeping"', 'unknown status "Sleeping" at position 9'],
    ['StartTime > "yesterday"', 'invalid time "yesterday" at position 12'],
    ['WorkflowId = "a" extra', 'unexpected "extra" at position 17'],
    ['(WorkflowId = "a"', 'expected ")" at position 17'],
    ['WorkflowId = "a', 'unterminated string starting at position 13'],
    ['WorkflowId ~ "a"', 'unexpected character "~" at position 11'],
  ])('rejects %j naming the position', (query, message) => {
    expect(() => parseVisibilityQuery(query)).toThrow(message);
  });
});
