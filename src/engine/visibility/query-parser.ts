/**
 * Parses the list/count query language (Temporal's, for the operators it has on SQL stores):
 *
 *   query      := [expression] [ORDER BY attribute [ASC | DESC]]
 *   expression := and (OR and)*
 *   and        := unary (AND unary)*
 *   unary      := NOT unary | "(" expression ")" | predicate
 *   predicate  := attribute (= | != | <> | < | <= | > | >=) value
 *               | attribute [NOT] IN "(" value ("," value)* ")"
 *               | attribute [NOT] BETWEEN value AND value
 *               | attribute [NOT] STARTS_WITH value
 *               | attribute IS [NOT] NULL
 *
 * e.g. `WorkflowType = "order" AND (Status = 'Running' OR StartTime > "2024-01-01T00:00:00Z")`. Keywords
 * are case-insensitive, as are system attribute names; custom attribute names are exact. Pure: the
 * registry of the namespace comes in, a VisibilityFilter and an order come out.
 */
import {
  type ComparisonOperator,
  defaultVisibilityOrder,
  type VisibilityFilter,
  type VisibilityOrder,
} from '../../store/visibility-filter.js';
import {
  betweenFilter,
  comparisonFilter,
  inFilter,
  nullFilter,
  type QueryAttribute,
  resolveAttribute,
} from './query-predicates.js';
import { queryError, shown, type Token, tokenize } from './query-tokens.js';
import type { SearchAttributeRegistry } from './search-attributes.js';

export interface ParsedQuery {
  /** Undefined when the query has no condition: every execution matches. */
  filter: VisibilityFilter | undefined;
  order: VisibilityOrder;
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly registry: SearchAttributeRegistry,
  ) {}

  private peek(): Token {
    return this.tokens[this.index] ?? { kind: 'end', text: '', position: 0 };
  }

  private next(): Token {
    const token = this.peek();
    this.index++;
    return token;
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === 'identifier' && token.text.toUpperCase() === word;
  }

  private expectKeyword(word: string, after: string): Token {
    const token = this.next();
    if (token.kind !== 'identifier' || token.text.toUpperCase() !== word) {
      throw queryError(
        `expected ${word} after ${after} at position ${token.position}, found ${shown(token)}`,
      );
    }
    return token;
  }

  parse(): ParsedQuery {
    const filter = this.isKeyword('ORDER') || this.peek().kind === 'end' ? undefined : this.parseOr();
    const order = this.isKeyword('ORDER') ? this.parseOrder() : defaultVisibilityOrder;
    const token = this.peek();
    if (token.kind !== 'end') throw queryError(`unexpected ${shown(token)} at position ${token.position}`);
    return { filter, order };
  }

  private parseOrder(): VisibilityOrder {
    this.next();
    this.expectKeyword('BY', 'ORDER');
    const name = this.next();
    if (name.kind !== 'identifier') {
      throw queryError(
        `expected an attribute after ORDER BY at position ${name.position}, found ${shown(name)}`,
      );
    }
    const attribute = resolveAttribute(name, this.registry);
    if (attribute.kind !== 'column') {
      throw queryError(
        `cannot ORDER BY ${attribute.name} at position ${name.position}; lists order by StartTime, CloseTime, ` +
          'WorkflowId, WorkflowType, ExecutionStatus or TaskQueue',
      );
    }
    let direction: VisibilityOrder['direction'] = 'asc';
    if (this.isKeyword('ASC') || this.isKeyword('DESC'))
      direction = this.next().text.toUpperCase() === 'DESC' ? 'desc' : 'asc';
    if (this.peek().kind === 'comma') {
      throw queryError(`ORDER BY takes one attribute; found a second at position ${this.peek().position}`);
    }
    return { field: attribute.field, direction };
  }

  private parseOr(): VisibilityFilter {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): VisibilityFilter {
    let left = this.parseUnary();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): VisibilityFilter {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', operand: this.parseUnary() };
    }
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.next();
      const inner = this.parseOr();
      const close = this.next();
      if (close.kind !== 'rparen')
        throw queryError(`expected ")" at position ${close.position}, found ${shown(close)}`);
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): VisibilityFilter {
    const name = this.next();
    if (name.kind !== 'identifier') {
      throw queryError(`expected an attribute name at position ${name.position}, found ${shown(name)}`);
    }
    const attribute = resolveAttribute(name, this.registry);
    if (this.isKeyword('IS')) {
      const is = this.next();
      const negated = this.isKeyword('NOT');
      if (negated) this.next();
      this.expectKeyword('NULL', negated ? 'IS NOT' : 'IS');
      return nullFilter(attribute, is, negated);
    }
    const negated = this.isKeyword('NOT');
    if (negated) this.next();
    const filter = this.parseOperation(attribute, negated);
    return negated && filter.kind !== 'not' && !this.lastWasIn ? { kind: 'not', operand: filter } : filter;
  }

  /** Set by parseOperation when the operation handled its own NOT (NOT IN). */
  private lastWasIn = false;

  private parseOperation(attribute: QueryAttribute, negated: boolean): VisibilityFilter {
    this.lastWasIn = false;
    const operator = this.next();
    const word = operator.kind === 'identifier' ? operator.text.toUpperCase() : '';
    if (word === 'IN') {
      this.lastWasIn = true;
      return inFilter(attribute, this.parseList(), negated, operator);
    }
    if (word === 'BETWEEN') {
      const low = this.parseValueToken();
      this.expectKeyword('AND', 'BETWEEN and its first value');
      return betweenFilter(attribute, operator, low, this.parseValueToken());
    }
    if (word === 'STARTS_WITH')
      return comparisonFilter(attribute, 'startsWith', operator, this.parseValueToken());
    if (word === 'LIKE') {
      throw queryError(
        `LIKE at position ${operator.position} is not supported; to match the start of a text use STARTS_WITH, e.g. ${attribute.name} STARTS_WITH "order-"`,
      );
    }
    if (negated) {
      throw queryError(
        `expected IN, BETWEEN or STARTS_WITH after NOT at position ${operator.position}, found ${shown(operator)}`,
      );
    }
    if (operator.kind !== 'operator') {
      throw queryError(
        `expected an operator (=, !=, <, <=, >, >=, IN, BETWEEN, STARTS_WITH, IS NULL) at position ${operator.position}, found ${shown(operator)}`,
      );
    }
    return comparisonFilter(attribute, operator.text as ComparisonOperator, operator, this.parseValueToken());
  }

  private parseList(): Token[] {
    const open = this.next();
    if (open.kind !== 'lparen')
      throw queryError(`expected "(" after IN at position ${open.position}, found ${shown(open)}`);
    const values = [this.parseValueToken()];
    while (this.peek().kind === 'comma') {
      this.next();
      values.push(this.parseValueToken());
    }
    const close = this.next();
    if (close.kind !== 'rparen')
      throw queryError(`expected ")" or "," at position ${close.position}, found ${shown(close)}`);
    return values;
  }

  /** A literal: a quoted text, a number, or true/false. Its meaning depends on the attribute. */
  private parseValueToken(): Token {
    const token = this.next();
    const bool = token.kind === 'identifier' && ['TRUE', 'FALSE'].includes(token.text.toUpperCase());
    if (token.kind !== 'string' && token.kind !== 'number' && !bool) {
      throw queryError(`expected a value at position ${token.position}, found ${shown(token)}`);
    }
    return token;
  }
}

/** Parses a query against the namespace's registry of custom attributes. */
export function parseVisibilityQuery(
  query: string,
  registry: SearchAttributeRegistry = new Map(),
): ParsedQuery {
  return new Parser(tokenize(query), registry).parse();
}
