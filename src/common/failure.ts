/**
 * Failures: serializable errors that cross workflow, activity and client boundaries, with their cause chain.
 * `*Failure` classes travel; `*Error` classes are local. Pure JavaScript: also runs inside the sandbox.
 */
import { decodeValues, encodeValues, type RawPayload } from './converter.js';

export type TimeoutType = 'START_TO_CLOSE' | 'SCHEDULE_TO_START' | 'SCHEDULE_TO_CLOSE' | 'HEARTBEAT';

export type RetryState =
  | 'UNSPECIFIED'
  | 'IN_PROGRESS'
  | 'NON_RETRYABLE_FAILURE'
  | 'TIMEOUT'
  | 'MAXIMUM_ATTEMPTS_REACHED'
  | 'RETRY_POLICY_NOT_SET'
  | 'INTERNAL_SERVER_ERROR'
  | 'CANCEL_REQUESTED';

/** The plain-data form of a failure, mirroring the `Failure` message of the API schema. */
export interface FailureShape {
  message: string;
  source?: string;
  stackTrace?: string;
  cause?: FailureShape;
  info?: FailureInfo;
}

export type FailureInfo =
  | {
      kind: 'application';
      type: string;
      nonRetryable: boolean;
      details: RawPayload[];
      nextRetryDelayMs?: number;
    }
  | { kind: 'timeout'; timeoutType: TimeoutType; lastHeartbeatDetails: RawPayload[] }
  | { kind: 'canceled'; details: RawPayload[] }
  | { kind: 'terminated' }
  | { kind: 'server'; nonRetryable: boolean }
  | {
      kind: 'activity';
      activityType: string;
      activityId: string;
      retryState: RetryState;
      identity: string;
      scheduledEventId: number;
      startedEventId: number;
    }
  | {
      kind: 'childWorkflow';
      namespace: string;
      workflowId: string;
      runId: string;
      workflowType: string;
      initiatedEventId: number;
      startedEventId: number;
      retryState: RetryState;
    };

export const FAILURE_SOURCE = 'TypeScriptSDK';

/** Base class of every failure that can cross a boundary. Exported as `TemporalFailure` too, for porting. */
export class StrataFailure extends Error {
  override name = 'StrataFailure';
  /** The failure as received, when this error was rebuilt from one. */
  failure?: FailureShape;

  constructor(message?: string, cause?: Error) {
    super(message ?? '', cause === undefined ? undefined : { cause });
  }

  override get cause(): Error | undefined {
    return super.cause as Error | undefined;
  }
}

export interface ApplicationFailureOptions {
  message?: string;
  type?: string;
  nonRetryable?: boolean;
  details?: unknown[];
  cause?: Error;
  /** Overrides the retry policy's next backoff, in milliseconds. */
  nextRetryDelayMs?: number;
}

/** An error thrown by user code. The `type` decides, with the retry policy, whether it is retried. */
export class ApplicationFailure extends StrataFailure {
  override name = 'ApplicationFailure';
  readonly type: string;
  readonly nonRetryable: boolean;
  readonly details: unknown[];
  readonly nextRetryDelayMs: number | undefined;

  constructor(
    message?: string,
    type?: string | null,
    nonRetryable = false,
    details?: unknown[],
    cause?: Error,
    nextRetryDelayMs?: number,
  ) {
    super(message, cause);
    this.type = type ?? 'Error';
    this.nonRetryable = nonRetryable;
    this.details = details ?? [];
    this.nextRetryDelayMs = nextRetryDelayMs;
  }

  static create(options: ApplicationFailureOptions): ApplicationFailure {
    return new ApplicationFailure(
      options.message,
      options.type,
      options.nonRetryable ?? false,
      options.details,
      options.cause,
      options.nextRetryDelayMs,
    );
  }

  static retryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type, false, details);
  }

  static nonRetryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type, true, details);
  }

  /** Wraps any thrown value; an ApplicationFailure is returned as it is. */
  static fromError(error: unknown, options: ApplicationFailureOptions = {}): ApplicationFailure {
    if (error instanceof ApplicationFailure) return error;
    const err = ensureError(error);
    const failure = ApplicationFailure.create({ message: err.message, type: err.name, ...options });
    failure.stack = err.stack;
    return failure;
  }
}

/** An activity failed for good (after its retries); the reason is in `cause`. */
export class ActivityFailure extends StrataFailure {
  override name = 'ActivityFailure';
  constructor(
    message: string,
    readonly activityType: string,
    readonly activityId: string,
    readonly retryState: RetryState,
    readonly identity: string,
    cause?: Error,
  ) {
    super(message, cause);
  }
}

/** A workflow execution, by workflow id and run id. */
export interface WorkflowExecution {
  workflowId: string;
  runId: string;
}

/**
 * A child workflow closed without a result; `cause` says why: its `ApplicationFailure`, a `CancelledFailure`,
 * a `TerminatedFailure` or a `TimeoutFailure`.
 */
export class ChildWorkflowFailure extends StrataFailure {
  override name = 'ChildWorkflowFailure';
  constructor(
    readonly namespace: string | undefined,
    readonly execution: WorkflowExecution,
    readonly workflowType: string,
    readonly retryState: RetryState,
    cause?: Error,
  ) {
    super('Child Workflow execution failed', cause);
  }
}

/**
 * A workflow with this id is already running: thrown by a client's start, and in workflow code by
 * `startChild` / `executeChild`.
 */
export class WorkflowExecutionAlreadyStartedError extends StrataFailure {
  override name = 'WorkflowExecutionAlreadyStartedError';
  readonly workflowId: string;
  readonly workflowType: string;

  constructor(message: string, options: { workflowId: string; workflowType: string; cause?: Error }) {
    super(message, options.cause);
    this.workflowId = options.workflowId;
    this.workflowType = options.workflowType;
  }
}

/** The work was cancelled: thrown into workflow code, activities and client calls. */
export class CancelledFailure extends StrataFailure {
  override name = 'CancelledFailure';
  constructor(
    message?: string,
    readonly details: unknown[] = [],
    cause?: Error,
  ) {
    super(message, cause);
  }
}

export class TimeoutFailure extends StrataFailure {
  override name = 'TimeoutFailure';
  constructor(
    message: string | undefined,
    readonly lastHeartbeatDetails: unknown,
    readonly timeoutType: TimeoutType,
  ) {
    super(message);
  }
}

export class TerminatedFailure extends StrataFailure {
  override name = 'TerminatedFailure';
}

export class ServerFailure extends StrataFailure {
  override name = 'ServerFailure';
  constructor(
    message: string | undefined,
    readonly nonRetryable: boolean,
    cause?: Error,
  ) {
    super(message, cause);
  }
}

/** True for a cancellation, also when wrapped as the cause of an activity or child workflow failure. */
export function isCancellation(error: unknown): boolean {
  return (
    error instanceof CancelledFailure ||
    ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) &&
      error.cause instanceof CancelledFailure)
  );
}

/** Normalises anything thrown into an `Error`. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const err = new Error(String((value as { message: unknown }).message));
    if ('name' in value) err.name = String((value as { name: unknown }).name);
    return err;
  }
  return new Error(String(value));
}

const MAX_CAUSE_DEPTH = 20;

/** Converts any thrown value to its plain-data failure, following the cause chain. */
export function errorToFailure(value: unknown, depth = 0): FailureShape {
  const err = ensureError(value);
  if (err instanceof StrataFailure && err.failure) return err.failure;
  const shape: FailureShape = {
    message: err.message,
    source: FAILURE_SOURCE,
    stackTrace: err.stack ?? '',
    info: failureInfoOf(err),
  };
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH) shape.cause = errorToFailure(err.cause, depth + 1);
  return shape;
}

function failureInfoOf(err: Error): FailureInfo {
  if (err instanceof ApplicationFailure) {
    return {
      kind: 'application',
      type: err.type,
      nonRetryable: err.nonRetryable,
      details: encodeValues(err.details, 'failure detail'),
      ...(err.nextRetryDelayMs === undefined ? {} : { nextRetryDelayMs: err.nextRetryDelayMs }),
    };
  }
  if (err instanceof CancelledFailure)
    return { kind: 'canceled', details: encodeValues(err.details, 'detail') };
  if (err instanceof TimeoutFailure) {
    const details = err.lastHeartbeatDetails === undefined ? [] : [err.lastHeartbeatDetails];
    return { kind: 'timeout', timeoutType: err.timeoutType, lastHeartbeatDetails: encodeValues(details) };
  }
  if (err instanceof TerminatedFailure) return { kind: 'terminated' };
  if (err instanceof ServerFailure) return { kind: 'server', nonRetryable: err.nonRetryable };
  if (err instanceof ActivityFailure) {
    return {
      kind: 'activity',
      activityType: err.activityType,
      activityId: err.activityId,
      retryState: err.retryState,
      identity: err.identity,
      scheduledEventId: 0,
      startedEventId: 0,
    };
  }
  if (err instanceof ChildWorkflowFailure) {
    return {
      kind: 'childWorkflow',
      namespace: err.namespace ?? '',
      workflowId: err.execution.workflowId,
      runId: err.execution.runId,
      workflowType: err.workflowType,
      initiatedEventId: 0,
      startedEventId: 0,
      retryState: err.retryState,
    };
  }
  return { kind: 'application', type: err.name, nonRetryable: false, details: [] };
}

/** Rebuilds the typed error of a plain-data failure, with its cause chain. */
export function failureToError(shape: FailureShape): StrataFailure {
  const cause = shape.cause ? failureToError(shape.cause) : undefined;
  const error = errorOfInfo(shape, cause);
  error.failure = shape;
  error.stack = shape.stackTrace || `${error.name}: ${shape.message}`;
  return error;
}

function errorOfInfo(shape: FailureShape, cause: Error | undefined): StrataFailure {
  const info = shape.info;
  if (info === undefined) return new ApplicationFailure(shape.message, 'Error', false, [], cause);
  switch (info.kind) {
    case 'application':
      return new ApplicationFailure(
        shape.message,
        info.type,
        info.nonRetryable,
        decodeValues(info.details),
        cause,
        info.nextRetryDelayMs,
      );
    case 'timeout':
      return new TimeoutFailure(shape.message, decodeValues(info.lastHeartbeatDetails)[0], info.timeoutType);
    case 'canceled':
      return new CancelledFailure(shape.message, decodeValues(info.details), cause);
    case 'terminated':
      return new TerminatedFailure(shape.message, cause);
    case 'server':
      return new ServerFailure(shape.message, info.nonRetryable, cause);
    case 'activity':
      return new ActivityFailure(
        shape.message,
        info.activityType,
        info.activityId,
        info.retryState,
        info.identity,
        cause,
      );
    case 'childWorkflow': {
      const execution = { workflowId: info.workflowId, runId: info.runId };
      const error = new ChildWorkflowFailure(
        info.namespace,
        execution,
        info.workflowType,
        info.retryState,
        cause,
      );
      error.message = shape.message;
      return error;
    }
    default: {
      const unknownInfo: never = info;
      throw new TypeError(`unknown failure info ${JSON.stringify(unknownInfo)}`);
    }
  }
}
