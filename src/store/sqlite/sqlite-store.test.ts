import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyWrite, execution } from '../../../test/helpers/store-fixtures.js';
import { ConcurrencyConflictError, ExecutionAlreadyRunningError } from '../store.js';
import { SqliteStore } from './sqlite-store.js';

describe('SqliteStore', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('a failing transaction in a shared commit rolls back alone', async () => {
    const results = await Promise.allSettled([
      store.transaction((tx) => tx.insertExecution(execution('a', 'run-a'))),
      store.transaction(async (tx) => {
        await tx.insertExecution(execution('b', 'run-b'));
        throw new Error('changed my mind');
      }),
      store.transaction((tx) => tx.insertExecution(execution('c', 'run-c'))),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getExecution('default', 'run-a')).toBeDefined();
    expect(await store.getExecution('default', 'run-b')).toBeUndefined();
    expect(await store.countExecutions('default', undefined)).toBe(2);
  });

  it('one running execution per workflow id, enforced by the database', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    await expect(
      store.transaction((tx) => tx.insertExecution(execution('a', 'run-2'))),
    ).rejects.toBeInstanceOf(ExecutionAlreadyRunningError);
  });

  it('an update against a stale version fails with ConcurrencyConflictError', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    const update = { ...emptyWrite, events: [], namespace: 'default', runId: 'run-1', expectedVersion: 1 };
    expect(await store.transaction((tx) => tx.updateExecution(update))).toBe(2);
    await expect(store.transaction((tx) => tx.updateExecution(update))).rejects.toBeInstanceOf(
      ConcurrencyConflictError,
    );
  });

  it('claims a task and a timer exactly once', async () => {
    await store.transaction((tx) => tx.insertExecution(execution('a', 'run-1')));
    const claims = await Promise.all([
      store.transaction((tx) => tx.claimTask('default', 'q', 'workflow', '')),
      store.transaction((tx) => tx.claimTask('default', 'q', 'workflow', '')),
    ]);
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    const [timer] = await store.dueTimers(100, 10);
    if (!timer) throw new Error('timer missing');
    const fired = await Promise.all([
      store.transaction((tx) => tx.claimTimer(timer.id)),
      store.transaction((tx) => tx.claimTimer(timer.id)),
    ]);
    expect(fired.sort()).toEqual([false, true]);
    expect(await store.nextTimerDueMs()).toBeUndefined();
  });
});
