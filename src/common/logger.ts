/**
 * A small leveled logger shared by the worker and the activity context. Users plug in their own by
 * implementing {@link Logger} (the same shape as Temporal's, so pino/winston adapters port as they are).
 */

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Structured fields attached to a log line. */
export type LogMetadata = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, message: string, meta?: LogMetadata): void;
  trace(message: string, meta?: LogMetadata): void;
  debug(message: string, meta?: LogMetadata): void;
  info(message: string, meta?: LogMetadata): void;
  warn(message: string, meta?: LogMetadata): void;
  error(message: string, meta?: LogMetadata): void;
}

/** One line handed to a {@link DefaultLogger}'s sink. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  meta: LogMetadata | undefined;
  timestampMs: number;
}

const SEVERITY: Record<LogLevel | 'OFF', number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, OFF: 5 };

/**
 * The level a {@link DefaultLogger} uses when none is given: `STRATA_LOG_LEVEL` if set, else `OFF` under
 * Vitest (so test output stays readable), else `INFO`.
 */
export function defaultLogLevel(): LogLevel | 'OFF' {
  const fromEnv = process.env.STRATA_LOG_LEVEL?.toUpperCase();
  if (fromEnv !== undefined && fromEnv in SEVERITY) return fromEnv as LogLevel | 'OFF';
  return process.env.VITEST ? 'OFF' : 'INFO';
}

function writeToStderr(entry: LogEntry): void {
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  process.stderr.write(
    `${new Date(entry.timestampMs).toISOString()} [${entry.level}] ${entry.message}${meta}\n`,
  );
}

/** Writes lines at or above `level` to a sink (stderr by default). */
export class DefaultLogger implements Logger {
  constructor(
    readonly level: LogLevel | 'OFF' = defaultLogLevel(),
    private readonly sink: (entry: LogEntry) => void = writeToStderr,
  ) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (SEVERITY[level] < SEVERITY[this.level]) return;
    this.sink({ level, message, meta, timestampMs: Date.now() });
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** A logger that adds fixed fields (e.g. the activity id) to every line of another one. */
export function withMetadata(logger: Logger, fields: LogMetadata): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void =>
    logger.log(level, message, { ...fields, ...meta });
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
