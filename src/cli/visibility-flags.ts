/**
 * The start flags that attach search attributes and memo, as Temporal's CLI has them:
 * `--search-attribute 'Key=value'` and `--memo 'key=value'` (repeatable; values are JSON, or plain text
 * when they do not read as JSON), and `--memo-file memo.json` (a JSON object).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Client } from '../client/client.js';
import { toClientError } from '../client/errors.js';
import type { SearchAttributes, SearchAttributeTypeName } from '../common/search-attributes.js';
import { fromIndexedValueType } from '../common/search-attributes-proto.js';
import { UsageError } from './errors.js';

export interface VisibilityFlags {
  searchAttribute?: string[];
  memo?: string[];
  memoFile?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addVisibilityOptions(command: Command): Command {
  return command
    .option(
      '--search-attribute <key=value>',
      'search attribute, e.g. \'CustomerId=acme\' or \'Tags=["a","b"]\' (registered first with strata operator search-attribute create); repeatable',
      collect,
    )
    .option('--memo <key=value>', 'memo field, e.g. \'note="rush order"\'; repeatable', collect)
    .option('--memo-file <path>', 'memo fields from a file holding a JSON object');
}

/** `Key=value` split at the first "=", the key checked. */
function keyValue(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  const key = at > 0 ? text.slice(0, at).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new UsageError(`${flag} takes KEY=VALUE with KEY a name such as CustomerId; got "${text}"`);
  }
  return [key, text.slice(at + 1)];
}

/** JSON when the text reads as JSON, else the text itself (so `CustomerId=acme` needs no quotes). */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The value of a `--search-attribute` for the attribute's registered type; the server checks it. */
function searchAttributeValue(text: string, type: SearchAttributeTypeName | undefined): unknown[] {
  const value = jsonOrText(text);
  switch (type) {
    case 'Keyword':
    case 'Text':
    case 'Datetime':
      return [typeof value === 'string' ? value : text];
    case 'KeywordList':
      return Array.isArray(value) ? value : [typeof value === 'string' ? value : text];
    default:
      return Array.isArray(value) ? value : [value];
  }
}

/** The search attributes of the flags, read against the namespace's registry; undefined when none. */
export async function searchAttributesOf(
  client: Client,
  namespace: string,
  flags: readonly string[] | undefined,
): Promise<SearchAttributes | undefined> {
  if (!flags || flags.length === 0) return undefined;
  const pairs = flags.map((text) => keyValue(text, '--search-attribute'));
  const { customAttributes } = await client.connection.operatorService
    .listSearchAttributes({ namespace })
    .catch((err: unknown) => {
      throw toClientError(err);
    });
  return Object.fromEntries(
    pairs.map(([key, text]) => {
      const indexed = customAttributes[key];
      const type = indexed === undefined ? undefined : fromIndexedValueType(indexed);
      return [key, searchAttributeValue(text, type) as SearchAttributes[string]];
    }),
  );
}

/** The memo of the flags: `--memo-file` first, then each `--memo`; undefined when none. */
export async function memoOf(flags: VisibilityFlags): Promise<Record<string, unknown> | undefined> {
  if (!flags.memoFile && !flags.memo?.length) return undefined;
  const memo: Record<string, unknown> = {};
  if (flags.memoFile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(flags.memoFile, 'utf8'));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UsageError(
        `--memo-file ${flags.memoFile}: ${reason}; it must hold a JSON object such as {"note": "rush"}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--memo-file ${flags.memoFile} must hold a JSON object such as {"note": "rush"}`);
    }
    Object.assign(memo, parsed);
  }
  for (const text of flags.memo ?? []) {
    const [key, value] = keyValue(text, '--memo');
    memo[key] = jsonOrText(value);
  }
  return memo;
}
