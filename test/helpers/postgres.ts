/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary folder, `pg_ctl`
 * start on a free loopback port, removed again by `destroy()`. As root (CI), the binaries run as the
 * unprivileged user `nobody`, since PostgreSQL refuses to run as root.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** Runs `fn` on a fresh connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The folder holding initdb and pg_ctl: PATH, /usr/local/bin, or Debian's /usr/lib/postgresql/<v>/bin. */
export function findPostgresBin(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/bin',
    ...versions.map((version) => join(debian, version, 'bin')),
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export interface PostgresServer {
  readonly port: number;
  /** URL of a database on this server (default: `postgres`). */
  url(database?: string): string;
  /** Creates a database (from `template` when given) and returns its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** `pg_ctl stop`: 'fast' disconnects clients and shuts down cleanly; 'immediate' is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Lines for postgresql.conf, e.g. `{ fsync: 'off' }`; tests trade durability for speed by default. */
  settings?: Record<string, string>;
}

const testSettings: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
};

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL binaries (initdb, pg_ctl) not found in PATH, /usr/local/bin or /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql) or set STRATA_TEST_POSTGRES_URL to a server the tests may create databases on',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'strata-pg-'));
  const dataDir = join(dir, 'data');
  // PostgreSQL refuses to run as root: as root, run it as nobody, who must own its folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['nobody', dir]);
  const exec = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'nobody', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const port = await freePort();
  const settings = { ...testSettings, ...options.settings };
  try {
    await exec('initdb', [
      '-D',
      dataDir,
      '-U',
      'strata',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    const conf = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = ''`,
      ...Object.entries(settings).map(([name, value]) => `${name} = '${value}'`),
    ];
    const confPath = join(dataDir, 'postgresql.auto.conf');
    writeFileSync(confPath, `${conf.join('\n')}\n`);
    if (asRoot) await run('chown', ['nobody', confPath]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const logFile = join(dir, 'postgres.log');
  const url = (database = 'postgres') => `postgres://strata@127.0.0.1:${port}/${database}`;
  const admin = (sql: string) => withClient(url(), (client) => client.query(sql));
  const server: PostgresServer = {
    port,
    url,
    async createDatabase(name, template) {
      await admin(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      return url(name);
    },
    async dropDatabase(name) {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    async stop(mode = 'fast') {
      await exec('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
    },
    async start() {
      await exec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']);
    },
    async destroy() {
      await server.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/** Name of the database the shared test server's databases are cloned from (migrations applied). */
export const templateDatabase = 'strata_template';

/** The shared test server's admin URL, set by the Vitest global setup of the postgres project. */
export function testPostgresUrl(): string {
  const url = process.env.STRATA_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error('STRATA_TEST_POSTGRES_URL is not set: run these tests in the postgres Vitest project');
  }
  return url;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A database on the shared test server, cloned from the migrated template. With a `key` (e.g. the
 * SQLite file name a test would reopen) the same key gives the same database; without, a new one.
 */
export async function createTestDatabase(key?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = testPostgresUrl();
  const name = key
    ? `strata_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`
    : `strata_${randomUUID().replaceAll('-', '')}`;
  await withClient(adminUrl, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase}"`);
  });
  const drop = async () => {
    await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  return { url: withDatabase(adminUrl, name), drop };
}
