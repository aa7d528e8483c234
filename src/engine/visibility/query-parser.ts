import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type {
  ComparisonOperator,
  VisibilityField,
  VisibilityFilter,
  VisibilityValue,
} from '../../store/visibility-filter.js';
import { EngineError } from '../errors.js';

/**
 * Parses the list/count query language (a subset of Temporal's):
 *   WorkflowType = "order" AND (Status = 'Running' OR StartTime > "2024-01-01T00:00:00Z")
 * into a VisibilityFilter. Pure; the store compiles the result to SQL.
 */
const attributes: Record<string, VisibilityField> = {
  workflowid: 'workflowId',
  workflowtype: 'workflowType',
  executionstatus: 'status',
  status: 'status',
  taskqueue: 'taskQueue',
  starttime: 'startTime',
  closetime: 'closeTime',
};
const knownAttributes = 'WorkflowId, WorkflowType, ExecutionStatus (Status), TaskQueue, StartTime, CloseTime';

const statuses: Record<string, WorkflowExecutionStatus> = {
  running: WorkflowExecutionStatus.RUNNING,
  completed: WorkflowExecutionStatus.COMPLETED,
  failed: WorkflowExecutionStatus.FAILED,
  canceled: WorkflowExecutionStatus.CANCELED,
  terminated: WorkflowExecutionStatus.TERMINATED,
  continuedasnew: WorkflowExecutionStatus.CONTINUED_AS_NEW,
  timedout: WorkflowExecutionStatus.TIMED_OUT,
};

type TokenKind = 'identifier' | 'string' | 'number' | 'operator' | 'lparen' | 'rparen' | 'comma' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

function queryError(message: string): EngineError {
  return new EngineError({ code: 'INVALID_QUERY', kind: 'invalid_argument', message });
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const char = query.charAt(i);
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const start = i;
    if (char === "'" || char === '"') {
      let text = '';
      i++;
      while (i < query.length && query.charAt(i) !== char) {
        if (query.charAt(i) === '\\' && i + 1 < query.length) i++;
        text += query.charAt(i);
        i++;
      }
      if (i >= query.length) throw queryError(`unterminated string starting at position ${start}`);
      i++;
      tokens.push({ kind: 'string', text, position: start });
    } else if (char === '(' || char === ')' || char === ',') {
      tokens.push({
        kind: char === '(' ? 'lparen' : char === ')' ? 'rparen' : 'comma',
        text: char,
        position: i,
      });
      i++;
    } else if ('=!<>'.includes(char)) {
      const two = query.slice(i, i + 2);
      const text = ['!=', '<=', '>=', '<>'].includes(two) ? two : char;
      if (text === '!') throw queryError(`unexpected "!" at position ${i}; did you mean "!="?`);
      tokens.push({ kind: 'operator', text: text === '<>' ? '!=' : text, position: i });
      i += text.length;
    } else if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(query.charAt(i + 1)))) {
      i++;
      while (i < query.length && /[0-9.]/.test(query.charAt(i))) i++;
      tokens.push({ kind: 'number', text: query.slice(start, i), position: start });
    } else if (/[A-Za-z_]/.test(char)) {
      while (i < query.length && /[A-Za-z0-9_.]/.test(query.charAt(i))) i++;
      tokens.push({ kind: 'identifier', text: query.slice(start, i), position: start });
    } else {
      throw queryError(`unexpected character "${char}" at position ${i}`);
    }
  }
  tokens.push({ kind: 'end', text: '', position: query.length });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

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

  parse(): VisibilityFilter {
    const filter = this.parseOr();
    const token = this.peek();
    if (token.kind !== 'end') throw queryError(`unexpected "${token.text}" at position ${token.position}`);
    return filter;
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
        throw queryError(`expected ")" at position ${close.position}, found "${close.text}"`);
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): VisibilityFilter {
    const name = this.next();
    if (name.kind !== 'identifier') {
      throw queryError(`expected an attribute name at position ${name.position}, found "${name.text}"`);
    }
    const field = attributes[name.text.toLowerCase()];
    if (!field)
      throw queryError(
        `unknown attribute "${name.text}" at position ${name.position}; known: ${knownAttributes}`,
      );
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.next();
      negated = true;
      if (!this.isKeyword('IN')) {
        const token = this.peek();
        throw queryError(`expected IN after NOT at position ${token.position}, found "${token.text}"`);
      }
    }
    if (this.isKeyword('IN')) {
      this.next();
      const open = this.next();
      if (open.kind !== 'lparen') throw queryError(`expected "(" after IN at position ${open.position}`);
      const values: VisibilityValue[] = [this.parseValue(field)];
      while (this.peek().kind === 'comma') {
        this.next();
        values.push(this.parseValue(field));
      }
      const close = this.next();
      if (close.kind !== 'rparen')
        throw queryError(`expected ")" or "," at position ${close.position}, found "${close.text}"`);
      return { kind: 'in', field, values, negated };
    }
    const operator = this.next();
    if (operator.kind !== 'operator') {
      throw queryError(
        `expected an operator (=, !=, <, <=, >, >=, IN) at position ${operator.position}, found "${operator.text}"`,
      );
    }
    return {
      kind: 'comparison',
      field,
      operator: operator.text as ComparisonOperator,
      value: this.parseValue(field),
    };
  }

  private parseValue(field: VisibilityField): VisibilityValue {
    const token = this.next();
    if (token.kind !== 'string' && token.kind !== 'number') {
      throw queryError(
        `expected a value at position ${token.position}, found "${token.text || 'end of query'}"`,
      );
    }
    switch (field) {
      case 'status': {
        const status = statuses[token.text.toLowerCase()];
        if (status !== undefined) return status;
        throw queryError(
          `unknown status "${token.text}" at position ${token.position}; known: Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut`,
        );
      }
      case 'startTime':
      case 'closeTime': {
        const ms = token.kind === 'number' ? Number(token.text) : Date.parse(token.text);
        if (Number.isNaN(ms)) {
          throw queryError(
            `invalid time "${token.text}" at position ${token.position}; use RFC 3339 (2024-01-31T12:00:00Z) or epoch milliseconds`,
          );
        }
        return ms;
      }
      case 'workflowId':
      case 'workflowType':
      case 'taskQueue':
        return token.text;
      default: {
        const unexpected: never = field;
        throw queryError(`unknown field ${String(unexpected)}`);
      }
    }
  }
}

/** Parses a query; an empty query matches everything (undefined). */
export function parseVisibilityQuery(query: string): VisibilityFilter | undefined {
  if (query.trim() === '') return undefined;
  return new Parser(tokenize(query)).parse();
}
