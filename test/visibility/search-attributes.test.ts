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
import { summarizeEvent } from '../../src/cli/history-summary.js';
import { EventType } from '../../src/gen/strata/v1/history_pb.js';
import { eventually } from '../helpers/strata-server.js';
import {
  continuing,
  customerKey,
  infoQuery,
  order,
  patchedOrder,
  release,
  ship,
  stageKey,
  tagsKey,
  unregisteredUpsert,
} from './workflows.js';

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
      Notes: IndexedValueType.TEXT,
      Vip: IndexedValueType.BOOL,
      DueAt: IndexedValueType.DATETIME,
      Score: IndexedValueType.DOUBLE,
    },
  });
});
afterAll(async () => {
  await env?.teardown();
});

function workerOn(taskQueue: string): Promise<Worker> {
  return Worker.create({ connection: env.connection, taskQueue, workflowsPath });
}

describe('search attributes and memo, set at start and from workflow code', () => {
  it('start sets them; upserts from the code show in workflowInfo, describe and list', async () => {
    const worker = await workerOn('sa-orders');
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

describe('signalWithStart', () => {
  it('starts with the search attributes and memo given, and leaves a running workflow as it is', async () => {
    const options = {
      taskQueue: 'sa-signal-with-start',
      workflowId: 'sws-1',
      signal: ship,
      typedSearchAttributes: [{ key: customerKey, value: 'initech' }],
      memo: { via: 'signalWithStart' },
    };
    const handle = await env.client.workflow.signalWithStart(order, options);
    await env.client.workflow.signalWithStart(order, {
      ...options,
      typedSearchAttributes: [{ key: customerKey, value: 'other' }],
    });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(customerKey)).toBe('initech');
    expect(described.memo).toEqual({ via: 'signalWithStart' });
    await handle.terminate();
  });
});

describe('runs of a chain', () => {
  it('the run continued as new inherits the memo and search attributes the previous run left', async () => {
    const worker = await workerOn('sa-chain');
    const result = await worker.runUntil(
      env.client.workflow.execute(continuing, {
        taskQueue: 'sa-chain',
        workflowId: 'chain-1',
        args: [1],
        memo: { owner: 'ada' },
        typedSearchAttributes: [{ key: customerKey, value: 'acme' }],
      }),
    );
    expect(result).toEqual({ stage: 'round-1', memo: { owner: 'ada', carried: true } });
    const latest = await env.client.workflow.getHandle('chain-1').describe();
    expect(latest.searchAttributes).toEqual({ CustomerId: ['acme'], OrderStage: ['round-1'] });
    expect((await env.client.workflow.count('WorkflowId = "chain-1" AND OrderStage = "round-1"')).count).toBe(
      2,
    );
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
    const worker = await workerOn('sa-refused');
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
    const worker = await workerOn('sa-replay');
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
    // How `strata workflow show` prints them.
    const shown = (history.events ?? [])
      .map(summarizeEvent)
      .filter((e) => e.eventId === 5 || e.eventId === 6);
    expect(shown.map((e) => `${e.eventType} ${e.details}`)).toEqual([
      'UpsertWorkflowSearchAttributes searchAttributes={"OrderStage":"packed","ItemCount":3}',
      'WorkflowPropertiesModified memo={"note":"packed by robot","requestedBy":null}',
    ]);
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

describe('P8: the Patches search attribute', () => {
  it('P8: each patch marker adds its id to Patches (alias TemporalChangeVersion), sorted, in the same write', async () => {
    const worker = await workerOn('sa-patches');
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(patchedOrder, {
        taskQueue: 'sa-patches',
        workflowId: 'patched-1',
      });
      const unpatched = await env.client.workflow.start(order, {
        taskQueue: 'sa-patches',
        workflowId: 'unpatched-1',
      });
      const patches = defineSearchAttributeKey('Patches', SearchAttributeType.KEYWORD_LIST);
      await expect
        .poll(async () => (await handle.describe()).typedSearchAttributes.get(patches))
        .toEqual(['fix-tax', 'old-rounding']);
      const ids = async (query: string) => {
        const found: string[] = [];
        for await (const info of env.client.workflow.list({ query })) found.push(info.workflowId);
        return found;
      };
      expect(await ids('Patches = "fix-tax"')).toEqual(['patched-1']);
      expect(await ids('TemporalChangeVersion = "old-rounding" AND ExecutionStatus = "Running"')).toEqual([
        'patched-1',
      ]);
      expect(await ids('WorkflowId IN ("patched-1", "unpatched-1") AND Patches IS NULL')).toEqual([
        'unpatched-1',
      ]);
      await handle.signal(release);
      expect(await handle.result()).toBe('new tax');
      expect((await handle.describe()).searchAttributes).toEqual({ Patches: ['fix-tax', 'old-rounding'] });
      await unpatched.terminate('done with it');
    });
    const refused = await env.connection.operatorService
      .addSearchAttributes({
        namespace: 'default',
        searchAttributes: { Patches: IndexedValueType.KEYWORD_LIST },
      })
      .catch((e: unknown) => e);
    expect(String(refused)).toContain(
      '"Patches" names the system search attribute Patches; choose another name',
    );
  });
});

describe('list and count with each operator of the query language', () => {
  const started = [
    {
      workflowId: 'q-1',
      searchAttributes: {
        CustomerId: ['acme'],
        ItemCount: [42],
        Tags: ['red', 'blue'],
        Notes: ['Rush order for ACME-Corp'],
        Vip: [true],
        DueAt: [new Date('2024-03-01T00:00:00Z')],
        Score: [4.5],
      },
    },
    {
      workflowId: 'q-2',
      searchAttributes: {
        CustomerId: ['acme-eu'],
        ItemCount: [7],
        Tags: ['green'],
        Notes: ['standard'],
        Vip: [false],
        DueAt: [new Date('2024-06-01T00:00:00Z')],
        Score: [1.25],
      },
    },
    { workflowId: 'q-3', searchAttributes: { CustomerId: ['globex'] } },
  ];
  beforeAll(async () => {
    for (const options of started) {
      await env.client.workflow.start('queried', { taskQueue: 'sa-query', ...options });
    }
  });

  async function ids(condition: string): Promise<string[]> {
    const found: string[] = [];
    for await (const info of env.client.workflow.list({
      query: `TaskQueue = "sa-query" AND (${condition})`,
    })) {
      found.push(info.workflowId);
    }
    return found;
  }

  it.each([
    ['CustomerId = "acme"', ['q-1']],
    ['CustomerId != "acme"', ['q-3', 'q-2']],
    ['CustomerId STARTS_WITH "acme"', ['q-2', 'q-1']],
    ['CustomerId IN ("globex", "acme-eu")', ['q-3', 'q-2']],
    ['CustomerId NOT IN ("globex")', ['q-2', 'q-1']],
    ['CustomerId > "b"', ['q-3']],
    ['ItemCount >= 7 AND ItemCount < 42', ['q-2']],
    ['ItemCount BETWEEN 10 AND 50', ['q-1']],
    ['ItemCount NOT BETWEEN 10 AND 50', ['q-3', 'q-2']],
    ['ItemCount IS NULL', ['q-3']],
    ['ItemCount IS NOT NULL', ['q-2', 'q-1']],
    ['Tags = "blue"', ['q-1']],
    ['Tags IN ("green", "red")', ['q-2', 'q-1']],
    ['Tags != "blue"', ['q-2']],
    ['Tags STARTS_WITH "gr"', ['q-2']],
    ['Notes = "acme"', ['q-1']],
    ['Notes = "urgent rush"', ['q-1']],
    ['Notes = "Rush order"', ['q-1']],
    ['Notes = "ord"', []],
    ['Notes STARTS_WITH "ord"', ['q-1']],
    ['Vip = true', ['q-1']],
    ['Vip != true', ['q-2']],
    ['DueAt < "2024-04-01T00:00:00Z"', ['q-1']],
    ['DueAt BETWEEN "2024-05-01T00:00:00Z" AND "2024-07-01T00:00:00Z"', ['q-2']],
    ['Score > 1.5', ['q-1']],
    ['Score <= 1.25 OR CustomerId = "globex"', ['q-3', 'q-2']],
    ['NOT (CustomerId = "acme" OR Vip = false)', ['q-3']],
  ])('%s', async (condition, expected) => {
    expect(await ids(condition)).toEqual(expected);
    expect((await env.client.workflow.count(`TaskQueue = "sa-query" AND (${condition})`)).count).toBe(
      expected.length,
    );
  });

  it('ORDER BY: StartTime DESC by default and written out, other system attributes either way', async () => {
    const listed = async (query: string) => {
      const found: string[] = [];
      for await (const info of env.client.workflow.list({ query, pageSize: 2 })) found.push(info.workflowId);
      return found;
    };
    expect(await listed('TaskQueue = "sa-query"')).toEqual(['q-3', 'q-2', 'q-1']);
    expect(await listed('TaskQueue = "sa-query" ORDER BY StartTime DESC')).toEqual(['q-3', 'q-2', 'q-1']);
    expect(await listed('TaskQueue = "sa-query" ORDER BY StartTime')).toEqual(['q-1', 'q-2', 'q-3']);
    expect(await listed('TaskQueue = "sa-query" order by WorkflowId desc')).toEqual(['q-3', 'q-2', 'q-1']);
  });

  it('a bad query is refused naming the position, the attribute and what was expected', async () => {
    const error = (query: string) => env.client.workflow.count(query).catch((e: unknown) => String(e));
    expect(await error('ItemCount > "many"')).toContain(
      '[INVALID_QUERY] invalid value "many" for ItemCount (Int) at position 12; expected a whole number',
    );
    expect(await error('CustomerId LIKE "ac%"')).toContain(
      'LIKE at position 11 is not supported; to match the start of a text use STARTS_WITH, e.g. CustomerId STARTS_WITH "order-"',
    );
    expect(await error('Region = "eu"')).toContain(
      'unknown attribute "Region" at position 0; known: WorkflowId, WorkflowType, ExecutionStatus, TaskQueue, StartTime, CloseTime, Patches, ',
    );
  });
});
