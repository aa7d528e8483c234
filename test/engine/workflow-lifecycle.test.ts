import { ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { WorkflowExecutionStatus } from '../../src/gen/strata/v1/common_pb.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  fromJson,
  history,
  json,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
  waitForClose,
} from './helpers.js';

describe('workflow lifecycle', () => {
  const t = useTestServer();

  it('a timer fires once and wakes the workflow', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-timer', 'q-timer');
    const first = await pollWorkflowTask(client, 'q-timer');
    await completeWorkflowTask(client, first, [
      command({ case: 'startTimer', value: { timerId: 't1', startToFireTimeoutMs: 50 } }),
    ]);
    const second = await pollWorkflowTask(client, 'q-timer');
    const types = eventTypes(second.history?.events ?? []);
    expect(types.filter((type) => type === 'TIMER_FIRED')).toHaveLength(1);
    expect(types.slice(-3)).toEqual(['TIMER_FIRED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
    await waitForClose(client, 'wf-timer');
  });

  it('a canceled timer never fires', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-cancel-timer', 'q-cancel-timer');
    const first = await pollWorkflowTask(client, 'q-cancel-timer');
    await completeWorkflowTask(client, first, [
      // t1 is far off so that a loaded machine cannot fire it before the cancel arrives.
      command({ case: 'startTimer', value: { timerId: 't1', startToFireTimeoutMs: 60_000 } }),
      command({ case: 'startTimer', value: { timerId: 't2', startToFireTimeoutMs: 150 } }),
    ]);
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-cancel-timer' },
      signalName: 'go',
    });
    const second = await pollWorkflowTask(client, 'q-cancel-timer');
    await completeWorkflowTask(client, second, [command({ case: 'cancelTimer', value: { timerId: 't1' } })]);
    const third = await pollWorkflowTask(client, 'q-cancel-timer');
    const types = eventTypes(third.history?.events ?? []);
    expect(types).toContain('TIMER_CANCELED');
    const fired = (third.history?.events ?? []).filter(
      (event) => event.attributes.case === 'timerFiredEventAttributes',
    );
    expect(fired.map((event) => (event.attributes.value as { timerId: string }).timerId)).toEqual(['t2']);
    await completeWorkflowTask(client, third, [command({ case: 'completeWorkflowExecution', value: {} })]);
  });

  it('a signal wakes the workflow with a new workflow task carrying its input', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-signal', 'q-signal');
    const first = await pollWorkflowTask(client, 'q-signal');
    // A signal arriving while the task runs produces a new task right after completion.
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-signal' },
      signalName: 'approve',
      input: json({ by: 'ops' }),
    });
    await completeWorkflowTask(client, first, []);
    const second = await pollWorkflowTask(client, 'q-signal');
    const signaled = second.history?.events.find(
      (event) => event.attributes.case === 'workflowExecutionSignaledEventAttributes',
    );
    expect(signaled?.attributes.case).toBe('workflowExecutionSignaledEventAttributes');
    if (signaled?.attributes.case === 'workflowExecutionSignaledEventAttributes') {
      expect(signaled.attributes.value.signalName).toBe('approve');
      expect(fromJson(signaled.attributes.value.input)).toEqual({ by: 'ops' });
    }
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
    await waitForClose(client, 'wf-signal');
    await expect(
      client.signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'wf-signal' },
        signalName: 'late',
      }),
    ).rejects.toThrow(/WORKFLOW_NOT_FOUND.*already closed/);
    await expect(
      client.signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'nope' },
        signalName: 'x',
      }),
    ).rejects.toThrow(/WORKFLOW_NOT_FOUND/);
  });

  it('a close attempted while a signal arrived is refused, and the signal is delivered in a new task', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-late-signal', 'q-late-signal');
    const first = await pollWorkflowTask(client, 'q-late-signal');
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-late-signal' },
      signalName: 'last-minute',
    });
    await completeWorkflowTask(client, first, [command({ case: 'completeWorkflowExecution', value: {} })]);
    const second = await pollWorkflowTask(client, 'q-late-signal');
    expect(second.attempt).toBe(1);
    expect(eventTypes(second.history?.events ?? []).slice(3)).toEqual([
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_FAILED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
    await waitForClose(client, 'wf-late-signal');
  });

  it('signal-with-start starts a workflow and delivers the signal atomically, then only signals', async () => {
    const { client } = t;
    const request = {
      start: {
        namespace: 'default',
        workflowId: 'wf-sws',
        workflowType: { name: 'TestWorkflow' },
        taskQueue: 'q-sws',
      },
      signalName: 'hello',
    };
    const first = await client.signalWithStartWorkflowExecution(request);
    expect(first.started).toBe(true);
    const second = await client.signalWithStartWorkflowExecution(request);
    expect(second).toMatchObject({ runId: first.runId, started: false });
    const task = await pollWorkflowTask(client, 'q-sws');
    expect(eventTypes(task.history?.events ?? [])).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_STARTED',
    ]);
    await client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-sws' },
    });
  });

  it('a query is answered by a worker without recording history', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-query', 'q-query');
    const first = await pollWorkflowTask(client, 'q-query');
    await completeWorkflowTask(client, first, []);
    const lengthBefore = (await history(client, 'wf-query')).length;
    const answer = client.queryWorkflow({
      namespace: 'default',
      execution: { workflowId: 'wf-query' },
      query: { queryType: 'status', queryArgs: json(1) },
    });
    const queryTask = await pollWorkflowTask(client, 'q-query');
    expect(queryTask.query?.queryType).toBe('status');
    expect(eventTypes(queryTask.history?.events ?? [])[0]).toBe('WORKFLOW_EXECUTION_STARTED');
    await client.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: queryTask.taskToken,
      queryResult: json('ok'),
    });
    expect(fromJson((await answer).queryResult)).toBe('ok');

    const failing = client.queryWorkflow({
      namespace: 'default',
      execution: { workflowId: 'wf-query' },
      query: { queryType: 'nope' },
    });
    const second = await pollWorkflowTask(client, 'q-query');
    await client.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: second.taskToken,
      failure: { message: 'unknown query type "nope"' },
    });
    await expect(failing).rejects.toThrow(/\[QUERY_FAILED\] unknown query type "nope"/);
    expect((await history(client, 'wf-query')).length).toBe(lengthBefore);
    await client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-query' },
    });
  });

  it('a query nobody answers times out naming the task queue', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-query-timeout', 'q-nobody');
    const error = await client
      .queryWorkflow({
        namespace: 'default',
        execution: { workflowId: 'wf-query-timeout' },
        query: { queryType: 'x' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(String(error)).toMatch(/QUERY_TIMEOUT.*task queue "q-nobody"/);
  });

  it('cancel asks the workflow, which closes itself as canceled', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-cancel', 'q-cancel');
    const first = await pollWorkflowTask(client, 'q-cancel');
    await completeWorkflowTask(client, first, []);
    await client.requestCancelWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-cancel' },
      reason: 'no longer needed',
    });
    const second = await pollWorkflowTask(client, 'q-cancel');
    expect(eventTypes(second.history?.events ?? [])).toContain('WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    await completeWorkflowTask(client, second, [command({ case: 'cancelWorkflowExecution', value: {} })]);
    const closed = await waitForClose(client, 'wf-cancel');
    expect(closed.attributes.case).toBe('workflowExecutionCanceledEventAttributes');
  });

  it('terminate closes the run at once and drops its pending work', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-terminate', 'q-terminate');
    const first = await pollWorkflowTask(client, 'q-terminate');
    await completeWorkflowTask(client, first, [
      command({ case: 'startTimer', value: { timerId: 'long', startToFireTimeoutMs: 60_000 } }),
    ]);
    await client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-terminate' },
      reason: 'operator',
    });
    const closed = await waitForClose(client, 'wf-terminate');
    expect(closed.attributes.case).toBe('workflowExecutionTerminatedEventAttributes');
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-terminate' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(WorkflowExecutionStatus.TERMINATED);
    expect(described.pendingWorkflowTask).toBeUndefined();
  });

  it('a second start of a running id fails unless it repeats the same request id; a closed id starts anew', async () => {
    const { client } = t;
    const runId = await startWorkflow(client, 'wf-dup', 'q-dup');
    expect(await startWorkflow(client, 'wf-dup', 'q-dup')).toBe(runId);
    await expect(
      client.startWorkflowExecution({
        namespace: 'default',
        workflowId: 'wf-dup',
        workflowType: { name: 'TestWorkflow' },
        taskQueue: 'q-dup',
        requestId: 'another',
      }),
    ).rejects.toThrow(/\[WORKFLOW_ALREADY_STARTED\]/);
    await client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-dup' },
    });
    const second = await client.startWorkflowExecution({
      namespace: 'default',
      workflowId: 'wf-dup',
      workflowType: { name: 'TestWorkflow' },
      taskQueue: 'q-dup',
      requestId: 'third',
    });
    expect(second.runId).not.toBe(runId);
    const latest = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-dup' },
    });
    expect(latest.workflowExecutionInfo?.execution?.runId).toBe(second.runId);
  });

  it('history pages through next_page_token', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-pages', 'q-pages');
    for (let i = 0; i < 5; i++) {
      await client.signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'wf-pages' },
        signalName: `s${i}`,
      });
    }
    const ids: number[] = [];
    let token: Uint8Array = new Uint8Array();
    do {
      const page = await client.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: 'wf-pages' },
        maximumPageSize: 3,
        nextPageToken: token,
      });
      ids.push(...(page.history?.events ?? []).map((event) => event.eventId));
      token = page.nextPageToken;
    } while (token.length > 0);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
