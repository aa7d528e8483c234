/**
 * `log` for workflow code: lines go to the worker's log sink with the workflow's identity attached, and
 * stay silent while the run replays, so each line appears once however often the code is re-run.
 */
import type { WorkflowLogLevel } from './activation.js';
import { getActivator } from './global-state.js';

export type LogAttributes = Record<string, unknown>;

export interface WorkflowLogger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

function at(level: WorkflowLogLevel) {
  return (message: string, attributes: LogAttributes = {}): void =>
    getActivator('log').log(level, message, attributes);
}

export const log: WorkflowLogger = Object.freeze({
  debug: at('DEBUG'),
  info: at('INFO'),
  warn: at('WARN'),
  error: at('ERROR'),
});
