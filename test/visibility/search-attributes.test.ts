/** Search attributes and memo from the user's side: register, start with them, upsert from code, describe, list. */
import { fileURLToPath } from 'node:url';
import {
  defineSearchAttributeKey,
  IndexedValueType,
  SearchAttributeType,
  TypedSearchAttributes,
} from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { DeterminismViolationError } from 'strata/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType } from '../../src/gen/strata/v1/history_pb.js';
import { eventually } from '../helpers/strata-server.js';
import { customerKey, infoQuery, order, ship, stageKey, tagsKey, unregisteredUpsert } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  // Time skipping: the workflow task retry backoff after a refused upsert passes at once.
  env = await TestWorkflowEnvironment.createTimeSkipping();
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: {
      CustomerId: IndexedValueType.KEYWORD,
      OrderStage: IndexedValueType.KEYWORD,
      ItemCount: IndexedValueType.INT,
      Tags: IndexedValueType.KEYWORD_LIST,
    },
  });
});
afterAll(async () => {
  await env?.teardown();
});

describe('search attributes and memo, set at start and from workflow code', () => {
  it('start sets them; upserts from the code show in workflowInfo, describe and list', async () => {
    const worker = await Worker.create({ connection: env.connection, taskQueue: 'sa-orders', workflowsPath });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(order, {
        taskQueue: 'sa-orders',
        workflowId: 'order-1',
        typedSearchAttributes: new TypedSearchAttributes([
          { key: customerKey, value: 'acme' },
          { key: stageKey, value: 'new' },
        ]),
        searchAttributes: { Tags: ['rush', 'fragile'] },
        memo: { requestedBy: 'ada', priority: { level: 2 } },
      });
      await expect
        .poll(() => handle.query(infoQuery))
        .toEqual({
          stage: 'packed',
          customer: 'acme',
          tags: ['rush', 'fragile'],
          memo: { note: 'packed by robot', priority: { level: 2 } },
        });
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(stageKey)).toBe('packed');
      expect(described.typedSearchAttributes.get(customerKey)).toBe('acme');
      expect(described.searchAttributes).toEqual({
        CustomerId: ['acme'],
        OrderStage: ['packed'],
        ItemCount: [3],
        Tags: ['rush', 'fragile'],
      });
      expect(described.memo).toEqual({ note: 'packed by robot', priority: { level: 2 } });
      const listed = [];
      for await (const info of env.client.workflow.list({
        query: 'OrderStage = "packed" AND Tags = "rush"',
      })) {
        listed.push(info);
      }
      expect(listed.map((info) => info.workflowId)).toEqual(['order-1']);
      expect(listed[0]?.memo).toEqual(described.memo);
      expect(listed[0]?.typedSearchAttributes.get(tagsKey)).toEqual(['rush', 'fragile']);

      await handle.signal(ship);
      expect(await handle.result()).toEqual({
        stageAtStart: 'new',
        stageAtEnd: 'shipped',
        memo: { note: 'packed by robot', priority: { level: 2 } },
      });
      const closed = await handle.describe();
      expect(closed.searchAttributes).toEqual({
        CustomerId: ['acme'],
        OrderStage: ['shipped'],
        ItemCount: [3],
      });
      expect((await env.client.workflow.count('Tags IS NULL AND OrderStage = "shipped"')).count).toBe(1);
    });
  });
});

describe('refused attributes say which, what type, and how to register', () => {
  const start = (workflowId: string, options: object) =>
    env.client.workflow.start(order, { taskQueue: 'sa-refused', workflowId, ...options });

  it('an unregistered attribute at start fails the start with the command that registers it', async () => {
    const error = await start('refused-1', { searchAttributes: { Region: ['eu'] } }).catch((e: unknown) => e);
    expect(String(error)).toContain(
      '[INVALID_SEARCH_ATTRIBUTE] search attribute "Region" is not registered in namespace "default"; register it first: ' +
        'strata operator search-attribute create --namespace default --name Region --type <type>',
    );
    const typed = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);
    const typedError = await start('refused-2', {
      typedSearchAttributes: new TypedSearchAttributes([{ key: typed, value: 'eu' }]),
    }).catch((e: unknown) => e);
    expect(String(typedError)).toContain('--name Region --type Keyword');
  });

  it('a value of the wrong type names the attribute, its type and the value', async () => {
    const error = await start('refused-3', { searchAttributes: { ItemCount: ['many'] } }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toContain(
      '[INVALID_SEARCH_ATTRIBUTE] search attribute "ItemCount" is Int: "many" (a string) is not a whole number',
    );
    const asInt = defineSearchAttributeKey('CustomerId', SearchAttributeType.INT);
    const typedError = await start('refused-4', {
      typedSearchAttributes: [{ key: asInt, value: 7 }],
    }).catch((e: unknown) => e);
    expect(String(typedError)).toContain(
      'search attribute "CustomerId" is registered as Keyword in namespace "default", but the value was sent as Int',
    );
    // Nothing was started.
    expect((await env.client.workflow.count('WorkflowId STARTS_WITH "refused-"')).count).toBe(0);
  });

  it('an upsert of an unregistered attribute fails the workflow task until it is registered, then resumes', async () => {
    const worker = await Worker.create({
      connection: env.connection,
      taskQueue: 'sa-refused',
      workflowsPath,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(unregisteredUpsert, {
        taskQueue: 'sa-refused',
        workflowId: 'refused-upsert',
      });
      const failure = await eventually(
        async () => (await handle.describe()).pendingWorkflowTask?.lastFailure?.message,
        10_000,
        'the refused workflow task',
      );
      expect(failure).toContain(
        '[BAD_SEARCH_ATTRIBUTES] command 0: search attribute "Priority" is not registered',
      );
      expect(failure).toContain('--name Priority --type Int');
      await env.connection.operatorService.addSearchAttributes({
        namespace: 'default',
        searchAttributes: { Priority: IndexedValueType.INT },
      });
      expect(await handle.result()).toBe('done');
      expect((await handle.describe()).searchAttributes).toEqual({ Priority: [1] });
    });
  });
});

describe('R2: upserts are commands matched in replay', () => {
  it('R2: the recorded history replays; moving upsertMemo before upsertSearchAttributes is a non-determinism error', async () => {
    const worker = await Worker.create({ connection: env.connection, taskQueue: 'sa-replay', workflowsPath });
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(order, {
        taskQueue: 'sa-replay',
        workflowId: 'replay-order',
        typedSearchAttributes: [{ key: stageKey, value: 'new' }],
      });
      await expect.poll(async () => (await handle.query(infoQuery)).stage).toBe('packed');
      await handle.signal(ship);
      await handle.result();
      return handle.fetchHistory();
    });
    const types = (history.events ?? []).map((event) => event.eventType);
    expect(types).toContain(EventType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
    expect(types).toContain(EventType.WORKFLOW_PROPERTIES_MODIFIED);
    await Worker.runReplayHistory({ workflowsPath }, history);
    const reordered = fileURLToPath(new URL('./workflows-reordered.ts', import.meta.url));
    const error = await Worker.runReplayHistory({ workflowsPath: reordered }, history).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(String(error)).toMatch(
      /\[NDE\].*at event 5 the history has UpsertWorkflowSearchAttributes but the code produced ModifyWorkflowProperties \(memo note, requestedBy\)/,
    );
  });
});
