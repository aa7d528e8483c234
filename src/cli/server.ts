import { type Command, InvalidArgumentError, Option } from 'commander';
import type { EngineLimits } from '../engine/engine-core.js';
import { createConsoleLogger, type LogLevel } from '../engine/logger.js';
import { startServer } from '../server/index.js';
import { openStore, redactUrl } from '../server/open-store.js';
import { PostgresStore } from '../store/postgres/index.js';
import { migrations as sqliteMigrations } from '../store/sqlite/migrations.js';
import { UsageError } from './errors.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function parsePoolSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw new InvalidArgumentError(`pool size must be an integer between 1 and 1000, got "${value}"`);
  }
  return size;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The dynamic config keys of Temporal's dev server that Strata honours, and the server limit each sets;
 * `strata.batchLeaseMs` is Strata's own (how soon another server takes over a dead server's batches).
 */
const DYNAMIC_CONFIG: Record<string, keyof EngineLimits> = {
  'limit.historyCount.suggestContinueAsNew': 'suggestContinueAsNewHistoryLength',
  'limit.historySize.suggestContinueAsNew': 'suggestContinueAsNewHistorySizeBytes',
  'strata.batchLeaseMs': 'batchLeaseMs',
};

/** `KEY=VALUE` of `--dynamic-config-value`, collected into server limits. */
function collectDynamicConfig(
  text: string,
  previous: Partial<EngineLimits> | undefined,
): Partial<EngineLimits> {
  const [key = '', value = ''] = text.split(/=(.*)/s);
  const limit = DYNAMIC_CONFIG[key.trim()];
  if (limit === undefined) {
    throw new InvalidArgumentError(
      `"${key}" is not a dynamic config key Strata knows; use ${Object.keys(DYNAMIC_CONFIG).join(' or ')}`,
    );
  }
  const number = Number(value.trim());
  if (!Number.isInteger(number) || number <= 0) {
    throw new InvalidArgumentError(`${key} takes a positive whole number, got "${value}"`);
  }
  return { ...previous, [limit]: number };
}

interface ServeOptions {
  port: number;
  ip: string;
  db?: string;
  dbFilename?: string;
  dbPoolSize?: number;
  namespace?: string[];
  logLevel: LogLevel;
  dynamicConfigValue?: Partial<EngineLimits>;
}

const dbHelp = 'PostgreSQL URL, e.g. postgres://user:password@host:5432/strata (migrated at start)';

function addServeOptions(command: Command): Command {
  return command
    .option('--port <port>', 'port to listen on', parsePort, 7233)
    .option('--ip <ip>', 'interface to listen on', '127.0.0.1')
    .option('--db-pool-size <n>', 'PostgreSQL connections for requests (default 10)', parsePoolSize)
    .option('--namespace <name>', 'namespace to create (repeatable)', collect)
    .option(
      '--dynamic-config-value <key=value>',
      'server limit, as in Temporal: limit.historyCount.suggestContinueAsNew=4096, limit.historySize.suggestContinueAsNew=4194304; strata.batchLeaseMs=30000 (repeatable)',
      collectDynamicConfig,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
}

/** Runs a server until SIGINT/SIGTERM; `kind` starts its ready line. */
async function serve(kind: string, options: ServeOptions): Promise<void> {
  const namespaces = options.namespace && options.namespace.length > 0 ? options.namespace : ['default'];
  const running = await startServer({
    port: options.port,
    ip: options.ip,
    db: options.db,
    dbFilename: options.dbFilename,
    dbPoolSize: options.dbPoolSize,
    namespaces,
    logLevel: options.logLevel,
    limits: options.dynamicConfigValue,
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
  const storage = options.db ? redactUrl(options.db) : (options.dbFilename ?? 'in-memory');
  const host = new URL(running.address).host;
  process.stdout.write(`${kind} listening on ${host} (namespace ${namespaces.join(', ')}, ${storage})\n`);
  await stopRequested;
  await running.close();
  process.exitCode = 0;
}

/** Adds `strata server start-dev`, `strata server start` (PostgreSQL) and `strata server migrate`. */
export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('run a Strata server');
  addServeOptions(
    server
      .command('start-dev')
      .description('start a development server (SQLite; in memory unless --db-filename is given, or --db)')
      .option('--db-filename <file>', 'SQLite file that keeps workflows across restarts')
      .option('--db <url>', dbHelp),
  ).action((options: ServeOptions) => serve('Strata dev server', options));
  addServeOptions(
    server
      .command('start')
      .description('start a server on PostgreSQL; several may share one database')
      .requiredOption('--db <url>', dbHelp),
  ).action((options: ServeOptions) => serve('Strata server', options));
  server
    .command('migrate')
    .description('apply pending schema migrations to a database and exit (servers also do it at start)')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--db-filename <file>', 'SQLite file')
    .action(async (options: { db?: string; dbFilename?: string }) => {
      if ((options.db === undefined) === (options.dbFilename === undefined)) {
        throw new UsageError('name one database: --db <postgres url> or --db-filename <file>');
      }
      const store = await openStore(options, createConsoleLogger('warn'));
      await store.close();
      if (store instanceof PostgresStore) {
        const { from, to } = store.migration;
        const name = redactUrl(options.db ?? '');
        process.stdout.write(
          from === to
            ? `${name} is up to date (schema version ${to})\n`
            : `migrated ${name} from schema version ${from} to ${to}\n`,
        );
      } else {
        const version = sqliteMigrations.at(-1)?.version ?? 0;
        process.stdout.write(`${options.dbFilename} is at schema version ${version}\n`);
      }
    });
}
