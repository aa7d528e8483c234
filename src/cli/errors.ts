/**
 * How the CLI ends: exit codes and the one-line messages for errors users are expected to hit.
 */
import { Code } from '@connectrpc/connect';
import { ConnectionError } from '../client/connection.js';
import {
  QueryFailedError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '../client/errors.js';
import { formatFailureChain } from './failure-format.js';

export const EXIT_OK = 0;
/** The operation ran and failed: the workflow failed, the server refused, the server is unreachable. */
export const EXIT_FAILED = 1;
/** The command line was wrong: a missing flag, bad JSON, an unknown option. */
export const EXIT_USAGE = 2;

/** A mistake in the command line, reported without touching the server. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An operation failed in a way already explained to the user; carries the exit code. */
export class ReportedFailure extends Error {
  override name = 'ReportedFailure';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** The message and exit code for an error thrown by a command. Expected errors never show a stack trace. */
export function describeCliError(err: unknown, namespace: string): { message: string; exitCode: number } {
  if (err instanceof UsageError) return { message: `error: ${err.message}`, exitCode: EXIT_USAGE };
  if (err instanceof ConnectionError) return { message: `error: ${err.message}`, exitCode: EXIT_FAILED };
  // The server's own message when it says more than "not found": the run is closed, the update unknown.
  if (
    err instanceof WorkflowNotFoundError &&
    /^\[(UPDATE_NOT_FOUND|WORKFLOW_NOT_FOUND)\].*(already closed|update)/.test(err.message)
  ) {
    return { message: `error: ${err.message}`, exitCode: EXIT_FAILED };
  }
  if (err instanceof WorkflowNotFoundError) {
    const run = err.runId ? ` with run id "${err.runId}"` : '';
    return {
      message:
        `error: workflow "${err.workflowId}"${run} not found in namespace "${namespace}". ` +
        'Check the id with `strata workflow list`',
      exitCode: EXIT_FAILED,
    };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      message: `error: ${err.message.replace(/^\[WORKFLOW_ALREADY_STARTED\] /, '')}`,
      exitCode: EXIT_FAILED,
    };
  }
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause instanceof Error ? `\n${formatFailureChain(err.cause)}` : '';
    return { message: `error: ${err.message}${cause}`, exitCode: EXIT_FAILED };
  }
  if (err instanceof QueryNotRegisteredError) {
    return {
      message: `error: the workflow has no handler for query "${err.queryType}": ${err.message}`,
      exitCode: EXIT_FAILED,
    };
  }
  if (err instanceof QueryFailedError) {
    const cause = err.cause instanceof Error ? `\n${formatFailureChain(err.cause)}` : '';
    return { message: `error: ${err.message}${cause}`, exitCode: EXIT_FAILED };
  }
  if (err instanceof ServiceError) {
    // The server judged the input invalid (e.g. a bad visibility query): a usage error.
    const exitCode = err.code === Code.InvalidArgument ? EXIT_USAGE : EXIT_FAILED;
    return { message: `error: ${err.message}`, exitCode };
  }
  if (err instanceof Error && err.message.startsWith('[')) {
    // Errors with a stable code (`[INVALID_DURATION] ...`) are expected input mistakes.
    return { message: `error: ${err.message}`, exitCode: EXIT_USAGE };
  }
  const detail = err instanceof Error ? (process.env.STRATA_DEBUG ? err.stack : err.message) : String(err);
  return { message: `error: unexpected failure: ${detail}`, exitCode: EXIT_FAILED };
}
