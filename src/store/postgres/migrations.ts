import type pg from 'pg';
import { sql as initial } from './migrations/0001-initial.js';
import { sql as searchAttributes } from './migrations/0002-search-attributes.js';
import { sql as workerDeployments } from './migrations/0003-worker-deployments.js';
import { sql as batchOperations } from './migrations/0004-batch-operations.js';
import { sql as sharedUpdates } from './migrations/0005-shared-updates.js';

/**
 * Numbered, immutable migrations, kept as TS modules so they ship inside the compiled package. Number N
 * is the same change of the store port as SQLite's migration N (see docs/postgres.md).
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'search-attributes', sql: searchAttributes },
  { version: 3, name: 'worker-deployments', sql: workerDeployments },
  { version: 4, name: 'batch-operations', sql: batchOperations },
  { version: 5, name: 'shared-updates', sql: sharedUpdates },
];

// Any constant works; it only has to be the same in every server process.
const migrationLockKey = 7_233_000_001;

export interface MigrationOutcome {
  /** Schema version before. */
  from: number;
  /** Schema version now. */
  to: number;
  applied: number[];
}

/**
 * Applies the migrations the database has not seen yet, all in one transaction under an advisory lock:
 * servers starting together apply each migration once (the second waits, then finds nothing to do),
 * and a failed migration leaves the schema as it was. Refuses a database migrated by a newer server.
 */
export async function applyMigrations(client: pg.ClientBase): Promise<MigrationOutcome> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS strata_schema_migrations (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const result = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM strata_schema_migrations',
    );
    const from = result.rows[0]?.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (from > latest) {
      throw new Error(
        `[SCHEMA_TOO_NEW] the database schema is at version ${from}, this server knows versions up to ${latest}; run a Strata server at least as new as the one that migrated it`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO strata_schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, latest), applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
