/**
 * The durable core of Strata: an Engine holds workflow executions, their histories, task queues and
 * timers in a Store, and answers the WorkflowService RPCs. The server module puts it on the network.
 */
export { type Clock, RealClock, VirtualClock } from './clock.js';
export { type CallOptions, Engine, type EngineOptions, SERVER_VERSION } from './engine.js';
export type { EngineLimits } from './engine-core.js';
export { EngineError, type EngineErrorCode, type EngineErrorKind } from './errors.js';
export { createConsoleLogger, type Logger, type LogLevel } from './logger.js';
export { InProcessNotifier, type TaskNotifier } from './notifier.js';
export { MAX_PAYLOAD_BYTES } from './payload-limit.js';
