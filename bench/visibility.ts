/**
 * List and count over custom search attributes: starts `total` executions with search attributes
 * through the Engine (no network), then times each query (median of `repeats` runs).
 * Run: npx tsx bench/visibility.ts [total] [repeats]
 */
import { create } from '@bufbuild/protobuf';
import { toProtoSearchAttributes } from '../src/common/search-attributes-proto.js';
import { Engine } from '../src/engine/engine.js';
import { IndexedValueType } from '../src/gen/strata/v1/common_pb.js';
import * as S from '../src/gen/strata/v1/service_pb.js';
import { SqliteStore } from '../src/store/sqlite/index.js';

const total = Number(process.argv[2] ?? 10_000);
const repeats = Number(process.argv[3] ?? 20);
const store = new SqliteStore();
const engine = new Engine({ store });
const namespace = 'default';

await engine.addSearchAttributes(
  create(S.AddSearchAttributesRequestSchema, {
    namespace,
    searchAttributes: {
      CustomerId: IndexedValueType.KEYWORD,
      Amount: IndexedValueType.INT,
      Tags: IndexedValueType.KEYWORD_LIST,
      Notes: IndexedValueType.TEXT,
    },
  }),
);

const colours = ['red', 'green', 'blue', 'amber', 'violet', 'teal', 'grey', 'black', 'white', 'pink'];
const loadStart = performance.now();
for (let batch = 0; batch < total; batch += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, total - batch) }, (_, k) => {
      const i = batch + k;
      const attributes = {
        CustomerId: { type: 'Keyword' as const, data: JSON.stringify(`customer-${i % 100}`) },
        Amount: { type: 'Int' as const, data: String(i % 1000) },
        Tags: {
          type: 'KeywordList' as const,
          data: JSON.stringify([colours[i % 10], colours[(i * 7) % 10]]),
        },
        Notes: { type: 'Text' as const, data: JSON.stringify(`order ${i} for customer ${i % 100}`) },
      };
      return engine.startWorkflowExecution(
        create(S.StartWorkflowExecutionRequestSchema, {
          namespace,
          workflowId: `wf-${i}`,
          workflowType: { name: i % 2 === 0 ? 'Even' : 'Odd' },
          taskQueue: 'bench',
          searchAttributes: toProtoSearchAttributes(attributes),
        }),
      );
    }),
  );
}
const loadMs = performance.now() - loadStart;
console.log(`started ${total} executions with 4 search attributes each in ${loadMs.toFixed(0)} ms`);

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const queries = [
  'WorkflowType = "Even"',
  'CustomerId = "customer-42"',
  'CustomerId STARTS_WITH "customer-4"',
  'Amount BETWEEN 100 AND 199',
  'Amount > 500 AND CustomerId IN ("customer-1", "customer-2", "customer-3")',
  'Tags = "red"',
  'Notes = "customer"',
  'CustomerId != "customer-42"',
  'Amount IS NULL',
];
console.log('| query | matches | count (ms) | list first page of 100 (ms) |');
console.log('|---|---|---|---|');
for (const query of queries) {
  const { count } = await engine.countWorkflowExecutions(
    create(S.CountWorkflowExecutionsRequestSchema, { namespace, query }),
  );
  const countMs = await median(() =>
    engine.countWorkflowExecutions(create(S.CountWorkflowExecutionsRequestSchema, { namespace, query })),
  );
  const listMs = await median(() =>
    engine.listWorkflowExecutions(
      create(S.ListWorkflowExecutionsRequestSchema, { namespace, query, pageSize: 100 }),
    ),
  );
  console.log(`| \`${query}\` | ${count} | ${countMs.toFixed(2)} | ${listMs.toFixed(2)} |`);
}
await engine.close();
await store.close();
