import type Database from 'better-sqlite3';
import { sql as initial } from './migrations/0001-initial.js';
import { sql as searchAttributes } from './migrations/0002-search-attributes.js';
import { sql as workerDeployments } from './migrations/0003-worker-deployments.js';
import { sql as batchOperations } from './migrations/0004-batch-operations.js';
import { sql as sharedUpdates } from './migrations/0005-shared-updates.js';

/** Numbered, immutable migrations; kept as TS modules so they ship inside the compiled package. */
export const migrations: ReadonlyArray<{ version: number; sql: string }> = [
  { version: 1, sql: initial },
  { version: 2, sql: searchAttributes },
  { version: 3, sql: workerDeployments },
  { version: 4, sql: batchOperations },
  { version: 5, sql: sharedUpdates },
];

/**
 * Applies the migrations the database has not seen yet. `PRAGMA user_version` records the last
 * applied number, so reopening a file is cheap.
 */
export function applyMigrations(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
