import { describe, expect, it } from 'vitest';
import type { WorkflowExecutionStatus } from '../../src/gen/strata/v1/common_pb.js';
import { command, history, json, useTestServer, type WorkflowClient } from './helpers.js';

const workflows = 200;
const queue = 'q-concurrent';

/** A minimal worker loop: first task schedules one activity, the next completes the workflow. */
async function workflowPoller(client: WorkflowClient, done: () => boolean): Promise<void> {
  while (!done()) {
    const task = await client.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: queue });
    if (task.taskToken.length === 0) continue;
    const events = task.history?.events ?? [];
    const hasResult = events.some(
      (event) => event.attributes.case === 'activityTaskCompletedEventAttributes',
    );
    await client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: hasResult
        ? [command({ case: 'completeWorkflowExecution', value: { result: json('done') } })]
        : [
            command({
              case: 'scheduleActivityTask',
              value: { activityId: '1', activityType: { name: 'work' }, startToCloseTimeoutMs: 10_000 },
            }),
          ],
    });
  }
}

async function activityPoller(client: WorkflowClient, done: () => boolean): Promise<void> {
  while (!done()) {
    const task = await client.pollActivityTaskQueue({ namespace: 'default', taskQueue: queue });
    if (task.taskToken.length === 0) continue;
    await client.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      result: json(1),
    });
  }
}

describe('concurrency', () => {
  const t = useTestServer({ limits: { longPollTimeoutMs: 200 } });

  it(`${workflows} workflows completed by concurrent pollers have gapless histories with no duplicate events`, async () => {
    const { client } = t;
    let finished = false;
    const done = () => finished;
    const pollers = [
      ...Array.from({ length: 6 }, () => workflowPoller(client, done)),
      ...Array.from({ length: 6 }, () => activityPoller(client, done)),
    ];
    await Promise.all(
      Array.from({ length: workflows }, (_, i) =>
        client.startWorkflowExecution({
          namespace: 'default',
          workflowId: `conc-${i}`,
          workflowType: { name: 'W' },
          taskQueue: queue,
        }),
      ),
    );
    await Promise.all(
      Array.from({ length: workflows }, async (_, i) => {
        for (;;) {
          const response = await client.getWorkflowExecutionHistory({
            namespace: 'default',
            execution: { workflowId: `conc-${i}` },
            waitForClose: true,
          });
          if ((response.history?.events.length ?? 0) > 0) return;
        }
      }),
    );
    finished = true;
    await Promise.all(pollers);
    const completed = await client.countWorkflowExecutions({
      namespace: 'default',
      query: 'Status = "Completed"',
    });
    expect(completed.count).toBe(workflows);
    for (let i = 0; i < workflows; i++) {
      const events = await history(client, `conc-${i}`);
      expect(events.map((event) => event.eventId)).toEqual(events.map((_, index) => index + 1));
      expect(events).toHaveLength(11);
    }
    const statuses = new Set<WorkflowExecutionStatus>();
    const list = await client.listWorkflowExecutions({ namespace: 'default', pageSize: 1000 });
    for (const info of list.executions) statuses.add(info.status);
    expect([...statuses]).toEqual([2]);
  });
});
