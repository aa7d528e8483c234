/**
 * Errors thrown by the client. `*Error` classes are local to the caller; the `cause` of a
 * {@link WorkflowFailedError} is the typed `*Failure` chain that crossed from the workflow.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { type RetryState, WorkflowExecutionAlreadyStartedError } from '../common/failure.js';

export { WorkflowExecutionAlreadyStartedError };

/** Options shared by the client's error constructors. */
export interface ClientErrorOptions {
  cause?: unknown;
}

/** The workflow closed without a result: failed, cancelled, terminated or timed out. The reason is in `cause`. */
export class WorkflowFailedError extends Error {
  override name = 'WorkflowFailedError';
  /** Whether the server would still retry the workflow; `'RETRY_POLICY_NOT_SET'` for one-off runs. */
  readonly retryState: RetryState;

  constructor(message: string, options: ClientErrorOptions & { retryState?: RetryState } = {}) {
    super(message, { cause: options.cause });
    this.retryState = options.retryState ?? 'RETRY_POLICY_NOT_SET';
  }
}

/**
 * `result()` of a handle created with `followRuns: false` whose run continued as new: the workflow goes on
 * in the run `newExecutionRunId`.
 */
export class WorkflowContinuedAsNewError extends Error {
  override name = 'WorkflowContinuedAsNewError';
  readonly newExecutionRunId: string;

  constructor(message: string, options: ClientErrorOptions & { newExecutionRunId: string }) {
    super(message, { cause: options.cause });
    this.newExecutionRunId = options.newExecutionRunId;
  }
}

/**
 * An update ended without a result: its validator rejected it, or its handler threw a failure. The reason (an
 * `ApplicationFailure`, usually) is in `cause`.
 */
export class WorkflowUpdateFailedError extends Error {
  override name = 'WorkflowUpdateFailedError';
  readonly updateId: string;
  readonly workflowId: string;
  readonly runId: string | undefined;

  constructor(
    message: string,
    options: ClientErrorOptions & { updateId: string; workflowId: string; runId?: string | undefined },
  ) {
    super(message, { cause: options.cause });
    this.updateId = options.updateId;
    this.workflowId = options.workflowId;
    this.runId = options.runId;
  }
}

/** No workflow execution with this id (and run id, when given) exists in the namespace. */
export class WorkflowNotFoundError extends Error {
  override name = 'WorkflowNotFoundError';
  readonly workflowId: string;
  readonly runId: string | undefined;

  constructor(
    message: string,
    options: ClientErrorOptions & { workflowId: string; runId?: string | undefined },
  ) {
    super(message, { cause: options.cause });
    this.workflowId = options.workflowId;
    this.runId = options.runId;
  }
}

/** The workflow has no handler for the query type asked for. */
export class QueryNotRegisteredError extends Error {
  override name = 'QueryNotRegisteredError';
  readonly queryType: string;

  constructor(message: string, options: ClientErrorOptions & { queryType: string }) {
    super(message, { cause: options.cause });
    this.queryType = options.queryType;
  }
}

/** The query handler threw, or the query could not be answered; the failure, when known, is in `cause`. */
export class QueryFailedError extends Error {
  override name = 'QueryFailedError';
  readonly queryType: string;

  constructor(message: string, options: ClientErrorOptions & { queryType: string }) {
    super(message, { cause: options.cause });
    this.queryType = options.queryType;
  }
}

/**
 * Any other error the server returned, or a failure to reach it. `code` is the Connect status code
 * (e.g. `Code.Unavailable`), `message` the server's own message.
 */
export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly code: Code;

  constructor(message: string, options: ClientErrorOptions & { code?: Code } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? Code.Unknown;
  }
}

/** What an RPC was about, so its error can name the workflow. */
export interface CallContext {
  workflowId?: string | undefined;
  runId?: string | undefined;
  workflowType?: string | undefined;
}

/** Maps an RPC error to the client's typed errors; anything that is not a Connect error is returned as is. */
export function toClientError(err: unknown, context: CallContext = {}): unknown {
  if (!(err instanceof ConnectError)) return err;
  const { workflowId, runId, workflowType } = context;
  if (err.code === Code.NotFound && workflowId !== undefined) {
    const run = runId ? ` (run ${runId})` : '';
    // The server's message already names the workflow and the namespace; compose one only if it is empty.
    return new WorkflowNotFoundError(err.rawMessage || `workflow "${workflowId}"${run} not found`, {
      cause: err,
      workflowId,
      runId: runId || undefined,
    });
  }
  if (err.code === Code.AlreadyExists && workflowId !== undefined) {
    return new WorkflowExecutionAlreadyStartedError(
      err.rawMessage || `workflow "${workflowId}" is already running`,
      { cause: err, workflowId, workflowType: workflowType ?? '' },
    );
  }
  return new ServiceError(err.message, { cause: err, code: err.code });
}

/**
 * True for errors worth retrying after a pause: the server is restarting or briefly unreachable. A stream
 * the server refused or dropped while shutting down counts too; callers only retry idempotent calls (reads, and
 * signals, which carry one request id for every try).
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ConnectError)) return false;
  if (err.code === Code.Unavailable) return true;
  // A connection lost mid-call surfaces as Internal, Aborted (`read ECONNRESET`) or Canceled (its open
  // streams are closed with CANCEL). A call the caller aborted says so instead, and is not retried.
  return CONNECTION_LOST_CODES.has(err.code) && CONNECTION_LOST.test(causeText(err));
}

const CONNECTION_LOST_CODES: ReadonlySet<Code> = new Set([Code.Internal, Code.Aborted, Code.Canceled]);

const CONNECTION_LOST =
  /NGHTTP2_REFUSED_STREAM|ERR_HTTP2_GOAWAY_SESSION|ERR_HTTP2_STREAM_CANCEL|ECONNRESET|ECONNREFUSED|stream closed with error code CANCEL/;

function causeText(err: Error): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message, String((current as NodeJS.ErrnoException).code ?? ''));
    current = current.cause;
  }
  return parts.join(' ');
}
