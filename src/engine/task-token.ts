import { invalidArgument } from './errors.js';

/**
 * What a task token names. Opaque to workers; JSON inside so it is cheap to build and to debug.
 * The attempt makes a token of a timed-out attempt stale.
 */
export type TaskToken =
  | {
      kind: 'workflow';
      namespace: string;
      runId: string;
      scheduledEventId: number;
      attempt: number;
      /** Set for a speculative workflow task (update-registry.ts): its id, as its events may not exist. */
      speculativeId?: string;
    }
  | { kind: 'activity'; namespace: string; runId: string; scheduledEventId: number; attempt: number }
  | { kind: 'query'; namespace: string; queryId: string };

export function encodeTaskToken(token: TaskToken): Uint8Array {
  return Buffer.from(JSON.stringify(token));
}

export function decodeTaskToken(bytes: Uint8Array, expected: TaskToken['kind']): TaskToken {
  if (bytes.length === 0) throw invalidArgument('task_token is required');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalidArgument('task_token is malformed; pass the token from the poll response unchanged');
  }
  if (typeof value !== 'object' || value === null || !('kind' in value) || value.kind !== expected) {
    throw invalidArgument(
      `task_token is not a ${expected} task token; pass the token from the poll response`,
    );
  }
  return value as TaskToken;
}
