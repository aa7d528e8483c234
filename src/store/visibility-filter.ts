/**
 * The parsed form of a visibility query, shared by the engine (which parses user queries into it) and
 * the store adapters (which compile it to their own SQL). Values are already normalised: times are
 * epoch milliseconds and statuses are the numeric WorkflowExecutionStatus values.
 */
export type VisibilityField =
  | 'workflowId'
  | 'workflowType'
  | 'status'
  | 'taskQueue'
  | 'startTime'
  | 'closeTime';

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type VisibilityValue = string | number;

export type VisibilityFilter =
  | { kind: 'comparison'; field: VisibilityField; operator: ComparisonOperator; value: VisibilityValue }
  | { kind: 'in'; field: VisibilityField; values: VisibilityValue[]; negated: boolean }
  | { kind: 'and'; left: VisibilityFilter; right: VisibilityFilter }
  | { kind: 'or'; left: VisibilityFilter; right: VisibilityFilter }
  | { kind: 'not'; operand: VisibilityFilter };
