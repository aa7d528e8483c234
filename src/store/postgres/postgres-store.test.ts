import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testPostgresUrl, withClient } from '../../../test/helpers/postgres.js';
import { emptyWrite, execution } from '../../../test/helpers/store-fixtures.js';
import { migrations as sqliteMigrations } from '../sqlite/migrations.js';
import { ConcurrencyConflictError, ExecutionAlreadyRunningError } from '../store.js';
import { migrations } from './migrations.js';
import { PostgresStore } from './postgres-store.js';

describe('PostgresStore', () => {
  let store: PostgresStore;
  let url: string;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    const database = await createTestDatabase();
    ({ url, drop } = database);
    store = await PostgresStore.open({ url, poolSize: 4 });
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  it('one running execution per workflow id, enforced by the database', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    await expect(
      store.transaction((tx) => tx.insertExecution(execution('a', 'run-2'))),
    ).rejects.toBeInstanceOf(ExecutionAlreadyRunningError);
    // The failed transaction left nothing behind.
    expect(await store.getExecution('default', 'run-2')).toBeUndefined();
  });

  it('an update against a stale version fails with ConcurrencyConflictError, even when concurrent', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    const update = { ...emptyWrite, events: [], namespace: 'default', runId: 'run-1', expectedVersion: 1 };
    const results = await Promise.allSettled([
      store.transaction((tx) =>
        tx.updateExecution({ ...update, events: [{ eventId: 2, data: new Uint8Array([2]) }] }),
      ),
      store.transaction((tx) =>
        tx.updateExecution({ ...update, events: [{ eventId: 2, data: new Uint8Array([3]) }] }),
      ),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(ConcurrencyConflictError);
    expect((await store.readHistory('default', 'run-1', 1, 10)).map((event) => event.eventId)).toEqual([
      1, 2,
    ]);
  });

  it('claims a task and a timer exactly once across concurrent connections', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    const claims = await Promise.all(
      Array.from({ length: 4 }, () =>
        store.transaction((tx) => tx.claimTask('default', 'q', 'workflow', '')),
      ),
    );
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    const [timer] = await store.dueTimers(100, 10);
    if (!timer) throw new Error('timer missing');
    const fired = await Promise.all(
      Array.from({ length: 4 }, () => store.transaction((tx) => tx.claimTimer(timer.id))),
    );
    expect(fired.filter(Boolean)).toHaveLength(1);
    expect(await store.nextTimerDueMs()).toBeUndefined();
  });

  it('re-setting a timer gives it a new id, so a late claim of the old one fails', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    const [old] = await store.dueTimers(100, 10);
    await store.transaction((tx) =>
      tx.updateExecution({
        ...emptyWrite,
        events: [],
        namespace: 'default',
        runId: 'run-1',
        expectedVersion: 1,
        timers: [{ namespace: 'default', runId: 'run-1', key: 'k', dueMs: 50, payload: '{"new":true}' }],
      }),
    );
    expect(await store.transaction((tx) => tx.claimTimer(old?.id ?? 0))).toBe(false);
    expect((await store.dueTimers(100, 10)).map((timer) => timer.payload)).toEqual(['{"new":true}']);
  });

  it('reopening applies no migration; a schema newer than the server is refused', async () => {
    expect(store.migration.to).toBe(migrations.at(-1)?.version);
    const again = await PostgresStore.open({ url, poolSize: 1 });
    expect(again.migration.applied).toEqual([]);
    await again.close();
    await withClient(url, (client) =>
      client.query("INSERT INTO strata_schema_migrations (version, name) VALUES (99, 'future')"),
    );
    await expect(PostgresStore.open({ url, poolSize: 1 })).rejects.toThrow(
      '[SCHEMA_TOO_NEW] the database schema is at version 99',
    );
  });
});

describe('PostgreSQL migrations', () => {
  const databases: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of databases) await drop();
  });

  it('are numbered in step with the SQLite ones (migration N is the same port change in both)', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(
      sqliteMigrations.map((migration) => migration.version),
    );
  });

  it('two servers opening an empty database together apply each migration once', async () => {
    const name = `strata_empty_${Date.now()}`;
    const admin = testPostgresUrl();
    await withClient(admin, (client) => client.query(`CREATE DATABASE "${name}"`));
    databases.push(async () => {
      await withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    });
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const [first, second] = await Promise.all([
      PostgresStore.open({ url: url.toString(), poolSize: 1 }),
      PostgresStore.open({ url: url.toString(), poolSize: 1 }),
    ]);
    const applied = [...first.migration.applied, ...second.migration.applied].sort();
    expect(applied).toEqual(migrations.map((migration) => migration.version));
    await first.close();
    await second.close();
  });
});
