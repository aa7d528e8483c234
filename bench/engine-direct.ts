/**
 * Engine throughput without the network: the same workload as engine-throughput.ts, calling the
 * Engine's methods directly. Run: npx tsx bench/engine-direct.ts [total] [dbFile]
 */
import { create } from '@bufbuild/protobuf';
import { Engine } from '../src/engine/engine.js';
import * as S from '../src/gen/strata/v1/service_pb.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/store.js';
import { oneActivityCommand } from './one-activity-commands.js';

const total = Number(process.argv[2] ?? 5000);
const target = process.argv[3];
const store: Store = target?.startsWith('postgres')
  ? await PostgresStore.open({ url: target, poolSize: Number(process.env.POOL ?? 10) })
  : new SqliteStore({ filename: target });
const engine = new Engine({ store, limits: { longPollTimeoutMs: 500 } });
let stopped = false;
const q = 'bench';
async function wf() {
  while (!stopped) {
    const task = await engine.pollWorkflowTaskQueue(
      create(S.PollWorkflowTaskQueueRequestSchema, { namespace: 'default', taskQueue: q }),
    );
    if (task.taskToken.length === 0) continue;
    const command = oneActivityCommand(task);
    await engine.respondWorkflowTaskCompleted(
      create(S.RespondWorkflowTaskCompletedRequestSchema, {
        namespace: 'default',
        taskToken: task.taskToken,
        commands: [command],
      }),
    );
  }
}
async function act() {
  while (!stopped) {
    const task = await engine.pollActivityTaskQueue(
      create(S.PollActivityTaskQueueRequestSchema, { namespace: 'default', taskQueue: q }),
    );
    if (task.taskToken.length === 0) continue;
    await engine.respondActivityTaskCompleted(
      create(S.RespondActivityTaskCompletedRequestSchema, {
        namespace: 'default',
        taskToken: task.taskToken,
      }),
    );
  }
}
const workers = [...Array.from({ length: 8 }, wf), ...Array.from({ length: 8 }, act)];
let next = 0;
const t = performance.now();
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < total) {
      const workflowId = `b-${next++}`;
      await engine.startWorkflowExecution(
        create(S.StartWorkflowExecutionRequestSchema, {
          namespace: 'default',
          workflowId,
          workflowType: { name: 'W' },
          taskQueue: q,
        }),
      );
      for (;;) {
        const r = await engine.getWorkflowExecutionHistory(
          create(S.GetWorkflowExecutionHistoryRequestSchema, {
            namespace: 'default',
            execution: { workflowId },
            waitForClose: true,
          }),
        );
        if ((r.history?.events.length ?? 0) > 0) break;
      }
    }
  }),
);
const s = (performance.now() - t) / 1000;
const cpu = process.cpuUsage();
console.log(
  `engine only: ${total} in ${s.toFixed(2)} s = ${(total / s).toFixed(0)} wf/s; CPU ${((cpu.user + cpu.system) / 1000 / total).toFixed(2)} ms per workflow`,
);
stopped = true;
await engine.close();
await Promise.all(workers);
await store.close();
