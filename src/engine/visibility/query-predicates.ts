/**
 * The meaning of one predicate of a visibility query (`Amount > 10`, `Tags = "red"`, `CloseTime IS NULL`)
 * for the attribute's type, as a VisibilityFilter. System attributes that are columns of the executions
 * table compare there; custom attributes and the indexed system ones (`Patches`, the versioning attributes) go through the index of attribute values, where
 * a KeywordList `=` means "contains" and a Text `=` matches any of the words. Pure.
 */
import { SEARCH_ATTRIBUTE_TYPE_NAMES, type SearchAttributeTypeName } from '../../common/search-attributes.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type {
  ComparisonOperator,
  VisibilityField,
  VisibilityFilter,
  VisibilityValue,
} from '../../store/visibility-filter.js';
import { textTokens } from '../state/search-attributes.js';
import { queryError, shown, type Token } from './query-tokens.js';
import {
  INDEXED_SYSTEM_ATTRIBUTES,
  type SearchAttributeRegistry,
  SYSTEM_SEARCH_ATTRIBUTES,
  systemAttributeOf,
} from './search-attributes.js';

/** An attribute named in a query: a column of the executions table, or values in the index. */
export type QueryAttribute =
  | { kind: 'column'; name: string; field: VisibilityField }
  | { kind: 'indexed'; name: string; type: SearchAttributeTypeName };

const columnFields: Readonly<Record<string, VisibilityField>> = {
  WorkflowId: 'workflowId',
  WorkflowType: 'workflowType',
  ExecutionStatus: 'status',
  TaskQueue: 'taskQueue',
  StartTime: 'startTime',
  CloseTime: 'closeTime',
};

const statuses: Record<string, WorkflowExecutionStatus> = {
  running: WorkflowExecutionStatus.RUNNING,
  completed: WorkflowExecutionStatus.COMPLETED,
  failed: WorkflowExecutionStatus.FAILED,
  canceled: WorkflowExecutionStatus.CANCELED,
  terminated: WorkflowExecutionStatus.TERMINATED,
  continuedasnew: WorkflowExecutionStatus.CONTINUED_AS_NEW,
  timedout: WorkflowExecutionStatus.TIMED_OUT,
};

/** The attribute a name token stands for: system names in any case, custom ones exactly as registered. */
export function resolveAttribute(token: Token, registry: SearchAttributeRegistry): QueryAttribute {
  const system = systemAttributeOf(token.text);
  const indexedType = system === undefined ? undefined : INDEXED_SYSTEM_ATTRIBUTES[system];
  if (system !== undefined && indexedType !== undefined)
    return { kind: 'indexed', name: system, type: indexedType };
  const field = system === undefined ? undefined : columnFields[system];
  if (system !== undefined && field !== undefined) return { kind: 'column', name: system, field };
  const type = registry.get(token.text);
  if (type !== undefined) return { kind: 'indexed', name: token.text, type };
  const sameButCase = [...registry.keys()].find((name) => name.toLowerCase() === token.text.toLowerCase());
  const hint = sameButCase
    ? `; custom attribute names are case sensitive: did you mean "${sameButCase}"?`
    : `; known: ${[...Object.keys(SYSTEM_SEARCH_ATTRIBUTES), ...registry.keys()].join(', ')}. ` +
      `Register a custom attribute with: strata operator search-attribute create --name ${token.text} --type <${SEARCH_ATTRIBUTE_TYPE_NAMES.join('|')}>`;
  throw queryError(`unknown attribute "${token.text}" at position ${token.position}${hint}`);
}

function invalidValue(attribute: QueryAttribute, token: Token, expected: string): never {
  const type =
    attribute.kind === 'indexed' ? attribute.type : attribute.field === 'status' ? 'status' : 'Keyword';
  throw queryError(
    `invalid value ${shown(token)} for ${attribute.name} (${type}) at position ${token.position}; expected ${expected}`,
  );
}

function timeValue(token: Token): number {
  const ms =
    token.kind === 'number'
      ? Number(token.text)
      : token.kind === 'string'
        ? Date.parse(token.text)
        : Number.NaN;
  if (Number.isNaN(ms)) {
    throw queryError(
      `invalid time ${shown(token)} at position ${token.position}; use RFC 3339 (2024-01-31T12:00:00Z) or epoch milliseconds`,
    );
  }
  return ms;
}

function textValue(attribute: QueryAttribute, token: Token): string {
  if (token.kind !== 'string') invalidValue(attribute, token, 'a quoted text such as "abc"');
  return token.text;
}

/** The value a token stands for, converted for the attribute's type (times to epoch ms, booleans to 1/0). */
export function queryValue(attribute: QueryAttribute, token: Token): VisibilityValue {
  if (attribute.kind === 'column') {
    switch (attribute.field) {
      case 'status': {
        const status = statuses[token.text.toLowerCase()];
        if (status !== undefined && token.kind !== 'identifier') return status;
        throw queryError(
          `unknown status ${shown(token)} at position ${token.position}; known: Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut`,
        );
      }
      case 'startTime':
      case 'closeTime':
        return timeValue(token);
      case 'workflowId':
      case 'workflowType':
      case 'taskQueue':
        return textValue(attribute, token);
      default: {
        const unexpected: never = attribute.field;
        throw new Error(`unknown field ${String(unexpected)}`);
      }
    }
  }
  switch (attribute.type) {
    case 'Keyword':
    case 'KeywordList':
    case 'Text':
      return textValue(attribute, token);
    case 'Int': {
      const value = token.kind === 'number' ? Number(token.text) : Number.NaN;
      if (!Number.isSafeInteger(value)) invalidValue(attribute, token, 'a whole number such as 42');
      return value;
    }
    case 'Double': {
      const value = token.kind === 'number' ? Number(token.text) : Number.NaN;
      if (!Number.isFinite(value)) invalidValue(attribute, token, 'a number such as 4.2');
      return value;
    }
    case 'Bool': {
      const word = token.kind === 'number' ? '' : token.text.toLowerCase();
      if (word !== 'true' && word !== 'false') invalidValue(attribute, token, 'true or false');
      return word === 'true' ? 1 : 0;
    }
    case 'Datetime':
      return timeValue(token);
    default: {
      const unexpected: never = attribute.type;
      throw new Error(`unknown type ${String(unexpected)}`);
    }
  }
}

/** Which operators apply to which indexed types: order needs an order, a list or a text has none. */
function checkOperator(attribute: QueryAttribute, operator: string, token: Token): void {
  if (attribute.kind === 'column') {
    const text =
      attribute.field === 'workflowId' ||
      attribute.field === 'workflowType' ||
      attribute.field === 'taskQueue';
    if (operator === 'STARTS_WITH' && !text) {
      throw queryError(
        `STARTS_WITH at position ${token.position} applies to texts; ${attribute.name} is not one`,
      );
    }
    return;
  }
  const ordered = ['Keyword', 'Int', 'Double', 'Datetime'].includes(attribute.type);
  const ranged = ['<', '<=', '>', '>=', 'BETWEEN'].includes(operator);
  if (ranged && !ordered) {
    throw queryError(
      `${operator} at position ${token.position} does not apply to ${attribute.name} (${attribute.type}); ` +
        'ranges apply to Keyword, Int, Double and Datetime attributes: use =, !=, IN or STARTS_WITH',
    );
  }
  if (operator === 'STARTS_WITH' && !['Keyword', 'KeywordList', 'Text'].includes(attribute.type)) {
    throw queryError(
      `STARTS_WITH at position ${token.position} applies to Keyword, KeywordList and Text attributes; ${attribute.name} is ${attribute.type}`,
    );
  }
}

/** CloseTime of an open run is NULL (0 in the table): comparisons hold for closed runs only. */
function closedOnly(field: VisibilityField, filter: VisibilityFilter): VisibilityFilter {
  if (field !== 'closeTime') return filter;
  return { kind: 'and', left: { kind: 'comparison', field, operator: '>', value: 0 }, right: filter };
}

/** `A != v` and `A NOT IN (...)` hold for runs that have A and no such value, as in SQL. */
function hasNone(name: string, filter: VisibilityFilter): VisibilityFilter {
  return { kind: 'and', left: { kind: 'attributeExists', name }, right: { kind: 'not', operand: filter } };
}

/** A Text value matches the runs having any of its words. */
function textWords(attribute: QueryAttribute, token: Token, values: VisibilityValue[]): string[] {
  const words = values.flatMap((value) => textTokens(String(value)));
  if (words.length === 0) {
    throw queryError(
      `${shown(token)} at position ${token.position} has no words to match in Text attribute ${attribute.name}`,
    );
  }
  return words;
}

/** `attribute IN (values)`, or NOT IN. */
export function inFilter(
  attribute: QueryAttribute,
  tokens: Token[],
  negated: boolean,
  at: Token,
): VisibilityFilter {
  checkOperator(attribute, 'IN', at);
  const values = tokens.map((token) => queryValue(attribute, token));
  if (attribute.kind === 'column')
    return closedOnly(attribute.field, { kind: 'in', field: attribute.field, values, negated });
  const matched: VisibilityFilter = {
    kind: 'attributeIn',
    name: attribute.name,
    values: attribute.type === 'Text' ? textWords(attribute, at, values) : values,
  };
  return negated ? hasNone(attribute.name, matched) : matched;
}

/** `attribute <operator> value`; the operator is =, !=, <, <=, >, >= or STARTS_WITH. */
export function comparisonFilter(
  attribute: QueryAttribute,
  operator: ComparisonOperator,
  operatorToken: Token,
  valueToken: Token,
): VisibilityFilter {
  checkOperator(attribute, operator === 'startsWith' ? 'STARTS_WITH' : operator, operatorToken);
  const value = queryValue(attribute, valueToken);
  if (attribute.kind === 'column') {
    return closedOnly(attribute.field, { kind: 'comparison', field: attribute.field, operator, value });
  }
  if (attribute.type === 'Text' && operator !== 'startsWith') {
    const words: VisibilityFilter = {
      kind: 'attributeIn',
      name: attribute.name,
      values: textWords(attribute, valueToken, [value]),
    };
    return operator === '!=' ? hasNone(attribute.name, words) : words;
  }
  // Text is indexed as lower-case words: a prefix matches the start of a word.
  const prefix = attribute.type === 'Text' ? String(value).toLowerCase() : value;
  if (operator === '!=')
    return hasNone(attribute.name, { kind: 'attribute', name: attribute.name, operator: '=', value });
  return { kind: 'attribute', name: attribute.name, operator, value: prefix };
}

/** `attribute BETWEEN low AND high`, both ends included. */
export function betweenFilter(
  attribute: QueryAttribute,
  at: Token,
  low: Token,
  high: Token,
): VisibilityFilter {
  checkOperator(attribute, 'BETWEEN', at);
  return {
    kind: 'and',
    left: comparisonFilter(attribute, '>=', at, low),
    right: comparisonFilter(attribute, '<=', at, high),
  };
}

/** `attribute IS NULL` (the run has no value), or IS NOT NULL. */
export function nullFilter(attribute: QueryAttribute, at: Token, negated: boolean): VisibilityFilter {
  if (attribute.kind === 'indexed') {
    const exists: VisibilityFilter = { kind: 'attributeExists', name: attribute.name };
    return negated ? exists : { kind: 'not', operand: exists };
  }
  if (attribute.field !== 'closeTime') {
    throw queryError(
      `${attribute.name} is set on every execution, so IS ${negated ? 'NOT ' : ''}NULL at position ${at.position} would not filter; ` +
        'IS NULL applies to CloseTime and custom attributes',
    );
  }
  return { kind: 'comparison', field: 'closeTime', operator: negated ? '>' : '=', value: 0 };
}
