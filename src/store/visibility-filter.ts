/**
 * The parsed form of a visibility query, shared by the engine (which parses user queries into it) and
 * the store adapters (which compile it to their own SQL). Values are already normalised: times are
 * epoch milliseconds, statuses are the numeric WorkflowExecutionStatus values, and custom search
 * attributes are named with the values the engine indexed (see `IndexedSearchAttribute` in store.ts).
 */
export type VisibilityField =
  | 'workflowId'
  | 'workflowType'
  | 'status'
  | 'taskQueue'
  | 'startTime'
  | 'closeTime';

/** `startsWith` takes a text value and matches the texts that begin with it. */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'startsWith';

export type VisibilityValue = string | number;

export type VisibilityFilter =
  | { kind: 'comparison'; field: VisibilityField; operator: ComparisonOperator; value: VisibilityValue }
  | { kind: 'in'; field: VisibilityField; values: VisibilityValue[]; negated: boolean }
  /**
   * Some indexed value of the run's search attribute `name` satisfies the comparison. The engine asks
   * ranges (<, <=, >, >=) only of single-valued attributes, so an adapter may answer
   * `A >= x AND A <= y` with one look-up of values in [x, y].
   */
  | { kind: 'attribute'; name: string; operator: ComparisonOperator; value: VisibilityValue }
  /** Some indexed value of the run's search attribute `name` is one of `values`. */
  | { kind: 'attributeIn'; name: string; values: VisibilityValue[] }
  /** The run has at least one indexed value for the search attribute `name`. */
  | { kind: 'attributeExists'; name: string }
  | { kind: 'and'; left: VisibilityFilter; right: VisibilityFilter }
  | { kind: 'or'; left: VisibilityFilter; right: VisibilityFilter }
  | { kind: 'not'; operand: VisibilityFilter };

/** The order of a list; ties are broken by run id in the same direction, so pages never repeat a run. */
export interface VisibilityOrder {
  field: VisibilityField;
  direction: 'asc' | 'desc';
}

export const defaultVisibilityOrder: VisibilityOrder = { field: 'startTime', direction: 'desc' };
