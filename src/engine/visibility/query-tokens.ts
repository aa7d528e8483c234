/** The tokens of the visibility query language, with the position each starts at (for errors). */
import { EngineError } from '../errors.js';

export type TokenKind =
  | 'identifier'
  | 'string'
  | 'number'
  | 'operator'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

export function queryError(message: string): EngineError {
  return new EngineError({ code: 'INVALID_QUERY', kind: 'invalid_argument', message });
}

/** How a token reads in an error: its text, or "end of query". */
export function shown(token: Token): string {
  if (token.kind === 'end') return 'end of query';
  return token.kind === 'string' ? JSON.stringify(token.text) : `"${token.text}"`;
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
