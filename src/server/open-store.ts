import type { Logger } from '../engine/logger.js';
import { PostgresStore } from '../store/postgres/index.js';
import { SqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';

export interface StoreChoice {
  dbFilename?: string;
  db?: string;
  dbPoolSize?: number;
}

/** A URL naming PostgreSQL, as `--db` takes it. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//.test(value);
}

/** Hides the password of a database URL, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * The store a server runs on: PostgreSQL when `db` is given (migrated on open), else SQLite in
 * `dbFilename` or in memory. Errors say which database could not be opened and what to check.
 */
export async function openStore(choice: StoreChoice, logger: Logger): Promise<Store> {
  if (choice.db !== undefined) {
    if (!isPostgresUrl(choice.db)) {
      throw new Error(
        `[INVALID_ARGUMENT] --db takes a PostgreSQL URL such as postgres://user:password@host:5432/strata, got "${redactUrl(choice.db)}"; for a SQLite file use --db-filename`,
      );
    }
    try {
      const store = await PostgresStore.open({ url: choice.db, poolSize: choice.dbPoolSize, log: logger });
      if (store.migration.applied.length > 0) {
        logger.info('applied database migrations', {
          from: store.migration.from,
          to: store.migration.to,
        });
      }
      return store;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot open the PostgreSQL database ${redactUrl(choice.db)}: ${reason}; check that the server runs, the URL, the user's rights and the database's existence`,
        { cause: error },
      );
    }
  }
  try {
    return new SqliteStore({ filename: choice.dbFilename });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot open the database file "${choice.dbFilename}": ${reason}; check the path and its directory`,
      { cause: error },
    );
  }
}
