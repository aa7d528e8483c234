import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndexedSearchAttribute, NewExecution } from '../store.js';
import type { VisibilityFilter } from '../visibility-filter.js';
import { SqliteStore } from './sqlite-store.js';
import { prefixUpperBound } from './visibility.js';

function execution(
  runId: string,
  startTimeMs: number,
  searchAttributes?: IndexedSearchAttribute[],
): NewExecution {
  return {
    namespace: 'default',
    workflowId: `wf-${runId}`,
    runId,
    workflowType: 'W',
    taskQueue: 'q',
    startTimeMs,
    startRequestId: '',
    status: 1,
    closeTimeMs: 0,
    historyLength: 0,
    busy: false,
    state: '{}',
    events: [],
    tasks: [],
    timers: [],
    deleteTimerKeys: [],
    dropTasksAndTimers: false,
    searchAttributes,
  };
}

describe('SqliteStore search attributes', () => {
  let store: SqliteStore;
  beforeEach(async () => {
    store = new SqliteStore();
    await store.transaction(async (tx) => {
      await tx.insertExecution(
        execution('r1', 1, [
          { name: 'Customer', value: 'acme' },
          { name: 'Tags', value: 'blue' },
          { name: 'Tags', value: 'red' },
          { name: 'Amount', value: 10 },
        ]),
      );
      await tx.insertExecution(
        execution('r2', 2, [
          { name: 'Customer', value: 'acme-eu' },
          { name: 'Amount', value: 2.5 },
        ]),
      );
      await tx.insertExecution(execution('r3', 3));
    });
  });
  afterEach(async () => {
    await store.close();
  });

  async function runs(filter: VisibilityFilter): Promise<string[]> {
    const page = await store.listExecutions('default', filter, 10, undefined);
    return page.records.map((record) => record.runId);
  }

  it('registers, lists and unregisters attributes per namespace', async () => {
    await store.transaction(async (tx) => {
      await tx.putSearchAttribute('default', { name: 'Customer', type: 'Keyword' });
      await tx.putSearchAttribute('default', { name: 'Amount', type: 'Int' });
      await tx.putSearchAttribute('default', { name: 'Amount', type: 'Double' });
      await tx.putSearchAttribute('other', { name: 'Region', type: 'Keyword' });
    });
    expect(await store.listSearchAttributes('default')).toEqual([
      { name: 'Amount', type: 'Double' },
      { name: 'Customer', type: 'Keyword' },
    ]);
    const removed = await store.transaction(async (tx) => [
      await tx.deleteSearchAttribute('default', 'Customer'),
      await tx.deleteSearchAttribute('default', 'Customer'),
    ]);
    expect(removed).toEqual([true, false]);
    expect(await store.listSearchAttributes('default')).toEqual([{ name: 'Amount', type: 'Double' }]);
    // Its indexed values went with it.
    expect(await runs({ kind: 'attributeExists', name: 'Customer' })).toEqual([]);
  });

  it('filters on indexed values: comparison, prefix, IN, existence, negation', async () => {
    expect(await runs({ kind: 'attribute', name: 'Customer', operator: '=', value: 'acme' })).toEqual(['r1']);
    expect(
      await runs({ kind: 'attribute', name: 'Customer', operator: 'startsWith', value: 'acme' }),
    ).toEqual(['r2', 'r1']);
    expect(await runs({ kind: 'attribute', name: 'Tags', operator: '=', value: 'red' })).toEqual(['r1']);
    expect(await runs({ kind: 'attributeIn', name: 'Tags', values: ['green', 'blue'] })).toEqual(['r1']);
    expect(await runs({ kind: 'attribute', name: 'Amount', operator: '<', value: 5 })).toEqual(['r2']);
    expect(await runs({ kind: 'attributeExists', name: 'Amount' })).toEqual(['r2', 'r1']);
    expect(await runs({ kind: 'not', operand: { kind: 'attributeExists', name: 'Amount' } })).toEqual(['r3']);
    expect(
      await store.countExecutions('default', {
        kind: 'attribute',
        name: 'Amount',
        operator: '>=',
        value: 2.5,
      }),
    ).toBe(2);
  });

  it('an update with searchAttributes replaces the run values; without, keeps them', async () => {
    const update = { ...execution('r1', 1), expectedVersion: 1 };
    await store.transaction((tx) => tx.updateExecution({ ...update, searchAttributes: undefined }));
    expect(await runs({ kind: 'attributeExists', name: 'Tags' })).toEqual(['r1']);
    await store.transaction((tx) =>
      tx.updateExecution({
        ...update,
        expectedVersion: 2,
        searchAttributes: [{ name: 'Customer', value: 'zeta' }],
      }),
    );
    expect(await runs({ kind: 'attributeExists', name: 'Tags' })).toEqual([]);
    expect(await runs({ kind: 'attribute', name: 'Customer', operator: '=', value: 'zeta' })).toEqual(['r1']);
  });

  it('lists in the order asked, paging with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listExecutions('default', undefined, 2, cursor, {
        field: 'startTime',
        direction: 'asc',
      });
      seen.push(...page.records.map((record) => record.runId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['r1', 'r2', 'r3']);
    const byId = await store.listExecutions('default', undefined, 10, undefined, {
      field: 'workflowId',
      direction: 'desc',
    });
    expect(byId.records.map((record) => record.workflowId)).toEqual(['wf-r3', 'wf-r2', 'wf-r1']);
  });

  it('prefix bounds keep code point order', () => {
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\ud7ff')).toBe('\ue000');
  });
});
