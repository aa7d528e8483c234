import { Code, ConnectError } from '@connectrpc/connect';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionStatus } from '../../src/gen/strata/v1/common_pb.js';
import { command, completeWorkflowTask, pollWorkflowTask, useTestServer } from './helpers.js';

describe('list and count', () => {
  const t = useTestServer();
  beforeAll(async () => {
    const { client } = t;
    for (let i = 0; i < 6; i++) {
      await client.startWorkflowExecution({
        namespace: 'default',
        workflowId: `vis-${i}`,
        workflowType: { name: i % 2 === 0 ? 'Even' : 'Odd' },
        taskQueue: 'q-vis',
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // Complete vis-0 and terminate vis-1.
    for (;;) {
      const task = await pollWorkflowTask(client, 'q-vis');
      if (task.workflowExecution?.workflowId === 'vis-0') {
        await completeWorkflowTask(client, task, [command({ case: 'completeWorkflowExecution', value: {} })]);
        break;
      }
      await completeWorkflowTask(client, task, []);
    }
    await client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'vis-1' },
    });
  });

  async function ids(query: string): Promise<string[]> {
    const response = await t.client.listWorkflowExecutions({ namespace: 'default', query });
    return response.executions.map((info) => info.execution?.workflowId ?? '');
  }

  it('lists newest first and filters by type, status, id and time', async () => {
    expect(await ids('')).toEqual(['vis-5', 'vis-4', 'vis-3', 'vis-2', 'vis-1', 'vis-0']);
    expect(await ids('WorkflowType = "Even"')).toEqual(['vis-4', 'vis-2', 'vis-0']);
    expect(await ids("ExecutionStatus = 'Completed'")).toEqual(['vis-0']);
    expect(await ids('Status IN ("Completed", "Terminated")')).toEqual(['vis-1', 'vis-0']);
    expect(await ids('WorkflowType = "Odd" AND NOT Status = "Running"')).toEqual(['vis-1']);
    expect(await ids('WorkflowId = "vis-3" OR WorkflowId = "vis-4"')).toEqual(['vis-4', 'vis-3']);
    expect(await ids(`StartTime > "${new Date(Date.now() + 60_000).toISOString()}"`)).toEqual([]);
    expect(await ids('CloseTime > 0 AND TaskQueue = "q-vis"')).toEqual(['vis-1', 'vis-0']);
  });

  it('counts with the same language', async () => {
    const count = async (query: string) =>
      (await t.client.countWorkflowExecutions({ namespace: 'default', query })).count;
    expect(await count('')).toBe(6);
    expect(await count('Status = "Running"')).toBe(4);
  });

  it('pages through next_page_token without repeats', async () => {
    const seen: string[] = [];
    let token: Uint8Array = new Uint8Array();
    do {
      const page = await t.client.listWorkflowExecutions({
        namespace: 'default',
        pageSize: 4,
        nextPageToken: token,
      });
      seen.push(...page.executions.map((info) => info.execution?.workflowId ?? ''));
      expect(page.executions.every((info) => info.status !== WorkflowExecutionStatus.UNSPECIFIED)).toBe(true);
      token = page.nextPageToken;
    } while (token.length > 0);
    expect(seen).toEqual(['vis-5', 'vis-4', 'vis-3', 'vis-2', 'vis-1', 'vis-0']);
  });

  it('rejects a bad query with InvalidArgument naming the position and token', async () => {
    const error = await t.client
      .listWorkflowExecutions({ namespace: 'default', query: 'Foo = "x"' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(
      /^\[INVALID_QUERY\] unknown attribute "Foo" at position 0; known: /,
    );
  });
});
