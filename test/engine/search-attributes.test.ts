/**
 * Search attributes through the store, on every store (this suite also runs on PostgreSQL): the registry,
 * the index written at start, by upserts and by patch markers, and the query operators over it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { patchMarkerDetails } from '../../src/common/patch-marker.js';
import { toProtoPayloads } from '../../src/common/payload-proto.js';
import { toProtoSearchAttributes } from '../../src/common/search-attributes-proto.js';
import { IndexedValueType } from '../../src/gen/strata/v1/common_pb.js';
import { command, completeWorkflowTask, pollWorkflowTask, useTestServer } from './helpers.js';

const queue = 'q-search-attributes';

describe('search attributes in the store', () => {
  const t = useTestServer();

  beforeAll(async () => {
    await t.client.addSearchAttributes({
      namespace: 'default',
      searchAttributes: {
        Customer: IndexedValueType.KEYWORD,
        Amount: IndexedValueType.INT,
        Tags: IndexedValueType.KEYWORD_LIST,
        Notes: IndexedValueType.TEXT,
      },
    });
    const starts = [
      { id: 'sa-1', Customer: '"acme"', Amount: '5', Tags: '["red","blue"]', Notes: '"Rush order"' },
      { id: 'sa-2', Customer: '"acme-eu"', Amount: '50', Tags: '["green"]', Notes: '"standard"' },
      { id: 'sa-3', Customer: '"globex"' },
    ];
    for (const { id, ...values } of starts) {
      await t.client.startWorkflowExecution({
        namespace: 'default',
        workflowId: id,
        workflowType: { name: 'W' },
        taskQueue: queue,
        searchAttributes: toProtoSearchAttributes(
          Object.fromEntries(Object.entries(values).map(([name, data]) => [name, { data }])),
        ),
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // sa-3's first workflow task upserts Amount and records a patch marker.
    for (let handled = 0; handled < 3; handled++) {
      const task = await pollWorkflowTask(t.client, queue);
      const commands =
        task.workflowExecution?.workflowId === 'sa-3'
          ? [
              command({
                case: 'upsertWorkflowSearchAttributes',
                value: {
                  searchAttributes: toProtoSearchAttributes({ Amount: { type: 'Int', data: '500' } }),
                },
              }),
              command({
                case: 'recordMarker',
                value: {
                  markerName: 'core_patch',
                  details: {
                    patch_data: toProtoPayloads(
                      patchMarkerDetails({ id: 'fix-1', deprecated: false }).patch_data ?? [],
                    ),
                  },
                },
              }),
            ]
          : [];
      await completeWorkflowTask(t.client, task, commands);
    }
  });

  async function ids(condition: string): Promise<string[]> {
    const query = `TaskQueue = "${queue}" AND (${condition})`;
    const listed = await t.client.listWorkflowExecutions({ namespace: 'default', query });
    const { count } = await t.client.countWorkflowExecutions({ namespace: 'default', query });
    expect(count).toBe(listed.executions.length);
    return listed.executions.map((info) => info.execution?.workflowId ?? '');
  }

  it.each([
    ['Customer = "acme"', ['sa-1']],
    ['Customer STARTS_WITH "acme"', ['sa-2', 'sa-1']],
    ['Customer != "acme"', ['sa-3', 'sa-2']],
    ['Amount BETWEEN 10 AND 100', ['sa-2']],
    ['Amount >= 50', ['sa-3', 'sa-2']],
    ['Tags = "red"', ['sa-1']],
    ['Tags IN ("green", "blue")', ['sa-2', 'sa-1']],
    ['Tags IS NULL', ['sa-3']],
    ['Notes = "rush"', ['sa-1']],
    ['Notes STARTS_WITH "stand"', ['sa-2']],
    ['Patches = "fix-1"', ['sa-3']],
    ['TemporalChangeVersion IS NOT NULL', ['sa-3']],
  ])('%s', async (condition, expected) => {
    expect(await ids(condition)).toEqual(expected);
  });

  it('orders and pages by the order asked', async () => {
    const seen: string[] = [];
    let token: Uint8Array = new Uint8Array();
    do {
      const page = await t.client.listWorkflowExecutions({
        namespace: 'default',
        query: `TaskQueue = "${queue}" ORDER BY StartTime ASC`,
        pageSize: 2,
        nextPageToken: token,
      });
      seen.push(...page.executions.map((info) => info.execution?.workflowId ?? ''));
      token = page.nextPageToken;
    } while (token.length > 0);
    expect(seen).toEqual(['sa-1', 'sa-2', 'sa-3']);
  });

  it('describe shows the attributes as checked, typed, with Patches', async () => {
    const described = await t.client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'sa-3' },
    });
    const fields = described.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {};
    const shown = Object.fromEntries(
      Object.entries(fields).map(([name, payload]) => [
        name,
        `${Buffer.from(payload.metadata.type ?? []).toString()} ${Buffer.from(payload.data).toString()}`,
      ]),
    );
    expect(shown).toEqual({
      Customer: 'Keyword "globex"',
      Amount: 'Int 500',
      Patches: 'KeywordList ["fix-1"]',
    });
  });

  it('removing an attribute drops its index: queries on it are refused', async () => {
    await t.client.removeSearchAttributes({ namespace: 'default', searchAttributes: ['Notes'] });
    const error = await t.client
      .countWorkflowExecutions({ namespace: 'default', query: 'Notes = "rush"' })
      .catch((e: unknown) => String(e));
    expect(error).toContain('unknown attribute "Notes" at position 0');
    const listed = await t.client.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(listed.customAttributes).sort()).toEqual(['Amount', 'Customer', 'Tags']);
  });
});
