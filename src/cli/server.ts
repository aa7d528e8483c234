import { type Command, InvalidArgumentError, Option } from 'commander';
import type { LogLevel } from '../engine/logger.js';
import { startServer } from '../server/index.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface StartDevOptions {
  port: number;
  ip: string;
  dbFilename?: string;
  namespace?: string[];
  logLevel: LogLevel;
}

/** Adds `strata server start-dev`: a local server with SQLite, in memory unless --db-filename is given. */
export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('run a Strata server');
  server
    .command('start-dev')
    .description('start a development server (SQLite; in memory unless --db-filename is given)')
    .option('--port <port>', 'port to listen on', parsePort, 7233)
    .option('--ip <ip>', 'interface to listen on', '127.0.0.1')
    .option('--db-filename <file>', 'SQLite file that keeps workflows across restarts')
    .option('--namespace <name>', 'namespace to create (repeatable)', collect)
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (options: StartDevOptions) => {
      const namespaces = options.namespace && options.namespace.length > 0 ? options.namespace : ['default'];
      const running = await startServer({
        port: options.port,
        ip: options.ip,
        dbFilename: options.dbFilename,
        namespaces,
        logLevel: options.logLevel,
      });
      // Handlers go in before the ready line, so a supervisor that signals on seeing it is honoured.
      const stopRequested = new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      const storage = options.dbFilename ?? 'in-memory';
      const host = new URL(running.address).host;
      process.stdout.write(
        `Strata dev server listening on ${host} (namespace ${namespaces.join(', ')}, ${storage})\n`,
      );
      await stopRequested;
      await running.close();
      process.exitCode = 0;
    });
}
