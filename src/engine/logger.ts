export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes one line per message to stderr, dropping messages below `level`. */
export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const log =
    (at: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (order[at] < order[level]) return;
      const suffix = fields ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${new Date().toISOString()} ${at} ${message}${suffix}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
