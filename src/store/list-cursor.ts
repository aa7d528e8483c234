/**
 * The opaque cursor of a paged list, shared by the store adapters: where the previous page ended, as the
 * sort key and run id of its last run.
 */
import type { VisibilityValue } from './visibility-filter.js';

export interface ListCursor {
  key: VisibilityValue;
  runId: string;
}

export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeListCursor(text: string): ListCursor {
  const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  if (
    typeof value === 'object' &&
    value !== null &&
    'key' in value &&
    (typeof value.key === 'number' || typeof value.key === 'string') &&
    'runId' in value &&
    typeof value.runId === 'string'
  ) {
    return { key: value.key, runId: value.runId };
  }
  throw new Error('malformed list cursor');
}
