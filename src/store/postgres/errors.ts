import { StoreUnavailableError } from '../store.js';

/** SQLSTATE of an error PostgreSQL returned, if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(error.code)
  ) {
    return error.code;
  }
  return undefined;
}

/** The constraint a unique violation names. */
export function violatedConstraint(error: unknown): string | undefined {
  return error instanceof Error && 'constraint' in error && typeof error.constraint === 'string'
    ? error.constraint
    : undefined;
}

// Class 08: connection exceptions; 57P01-57P03: the server is shutting down, crashed or starting up;
// 53300: too many connections.
const unavailableStates = /^(08...|57P0[1-3]|53300)$/;

/**
 * True when the database could not be reached or dropped the connection: a socket error (no SQLSTATE),
 * a connection timeout, or one of the states above. Errors in SQL itself are not.
 */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return unavailableStates.test(state);
  if (!(error instanceof Error)) return false;
  return (
    ('code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client has encountered a connection error/i.test(
      error.message,
    )
  );
}

/** Connection errors become StoreUnavailableError (the request can be retried); others pass unchanged. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isConnectionError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`the PostgreSQL database is unreachable (${reason}); retry the request`, {
    cause: error,
  });
}
