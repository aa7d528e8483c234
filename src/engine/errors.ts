/**
 * Typed engine errors. Each carries a stable code (shown as `[CODE]` at the start of the message, so
 * users can search for it) and a kind the server maps to a transport status.
 */
export type EngineErrorKind =
  | 'not_found'
  | 'already_exists'
  | 'invalid_argument'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'deadline_exceeded'
  | 'unavailable'
  | 'internal';

export type EngineErrorCode =
  | 'WORKFLOW_NOT_FOUND'
  | 'WORKFLOW_ALREADY_STARTED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_QUERY'
  | 'PAYLOAD_TOO_LARGE'
  | 'NAMESPACE_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'QUERY_FAILED'
  | 'QUERY_TIMEOUT'
  | 'SHUTTING_DOWN'
  | 'CONFLICT'
  | 'INVALID_SEARCH_ATTRIBUTE'
  | 'SEARCH_ATTRIBUTE_EXISTS'
  | 'SEARCH_ATTRIBUTE_NOT_FOUND'
  | 'UPDATE_NOT_FOUND'
  | 'UPDATE_LIMIT'
  | 'STORE_UNAVAILABLE'
  | 'BATCH_NOT_FOUND'
  | 'BATCH_ALREADY_EXISTS'
  | 'BATCH_NOT_RUNNING'
  | 'DEPLOYMENT_NOT_FOUND'
  | 'DEPLOYMENT_VERSION_NOT_FOUND'
  | 'DEPLOYMENT_VERSION_IN_USE'
  | 'DEPLOYMENT_HAS_VERSIONS'
  | 'NO_POLLERS'
  | 'FAILED_PRECONDITION';

export interface EngineErrorOptions {
  code: EngineErrorCode;
  kind: EngineErrorKind;
  message: string;
  cause?: unknown;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  readonly kind: EngineErrorKind;

  constructor(options: EngineErrorOptions) {
    super(`[${options.code}] ${options.message}`, { cause: options.cause });
    this.code = options.code;
    this.kind = options.kind;
  }
}

export function invalidArgument(message: string): EngineError {
  return new EngineError({ code: 'INVALID_ARGUMENT', kind: 'invalid_argument', message });
}

export function workflowNotFound(namespace: string, workflowId: string, runId?: string): EngineError {
  const run = runId ? ` run "${runId}"` : '';
  return new EngineError({
    code: 'WORKFLOW_NOT_FOUND',
    kind: 'not_found',
    message: `workflow "${workflowId}"${run} not found in namespace "${namespace}"`,
  });
}

export function workflowClosed(namespace: string, workflowId: string, runId: string): EngineError {
  return new EngineError({
    code: 'WORKFLOW_NOT_FOUND',
    kind: 'not_found',
    message: `workflow "${workflowId}" run "${runId}" in namespace "${namespace}" is already closed`,
  });
}

export function taskNotFound(detail: string): EngineError {
  return new EngineError({
    code: 'TASK_NOT_FOUND',
    kind: 'not_found',
    message: `${detail}; the task may have timed out, been completed already, or the run closed`,
  });
}
