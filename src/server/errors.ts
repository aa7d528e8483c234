import { Code, ConnectError } from '@connectrpc/connect';
import { EngineError, type EngineErrorKind } from '../engine/errors.js';

const codes: Record<EngineErrorKind, Code> = {
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  invalid_argument: Code.InvalidArgument,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  deadline_exceeded: Code.DeadlineExceeded,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

/** Engine errors keep their `[CODE] message` text and get the matching transport status. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof EngineError) return new ConnectError(error.message, codes[error.kind]);
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectError(`[INTERNAL] ${message}`, Code.Internal, undefined, undefined, error);
}
