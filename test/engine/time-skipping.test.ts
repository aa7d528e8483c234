import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
  waitForClose,
} from './helpers.js';

const thirtyDaysMs = 30 * 24 * 60 * 60 * 1000;

describe('time skipping', () => {
  let clock: VirtualClock;
  const t = useTestServer(() => {
    clock = new VirtualClock();
    return { clock };
  }, 'each');

  it('a workflow sleeping 30 days completes in milliseconds when time skipping is on', async () => {
    const { client, server } = t;
    server.engine.setTimeSkipping(true);
    const wallStart = Date.now();
    const virtualStart = clock.nowMs();
    await startWorkflow(client, 'wf-sleep', 'q-sleep');
    const first = await pollWorkflowTask(client, 'q-sleep');
    await completeWorkflowTask(client, first, [
      command({ case: 'startTimer', value: { timerId: 'month', startToFireTimeoutMs: thirtyDaysMs } }),
    ]);
    const second = await pollWorkflowTask(client, 'q-sleep');
    expect(eventTypes(second.history?.events ?? [])).toContain('TIMER_FIRED');
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
    await waitForClose(client, 'wf-sleep');
    expect(clock.nowMs() - virtualStart).toBeGreaterThanOrEqual(thirtyDaysMs);
    expect(Date.now() - wallStart).toBeLessThan(2000);
  });

  it('time does not skip while a workflow task is queued or running', async () => {
    const { client, server } = t;
    await startWorkflow(client, 'wf-busy', 'q-busy', { workflowRunTimeoutMs: thirtyDaysMs });
    server.engine.setTimeSkipping(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const task = await pollWorkflowTask(client, 'q-busy');
    expect(task.attempt).toBe(1);
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-busy' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(1);
  });

  it('skipTime moves the clock and fires the timers that came due, in order', async () => {
    const { client, server } = t;
    await startWorkflow(client, 'wf-skip', 'q-skip');
    const first = await pollWorkflowTask(client, 'q-skip');
    await completeWorkflowTask(client, first, [
      command({ case: 'startTimer', value: { timerId: 'b', startToFireTimeoutMs: 2 * 3_600_000 } }),
      command({ case: 'startTimer', value: { timerId: 'a', startToFireTimeoutMs: 3_600_000 } }),
      command({ case: 'startTimer', value: { timerId: 'c', startToFireTimeoutMs: 10 * 3_600_000 } }),
    ]);
    await server.engine.skipTime(3 * 3_600_000);
    const second = await pollWorkflowTask(client, 'q-skip');
    const fired = (second.history?.events ?? [])
      .filter((event) => event.attributes.case === 'timerFiredEventAttributes')
      .map((event) => (event.attributes.value as { timerId: string }).timerId);
    expect(fired).toEqual(['a', 'b']);
  });

  it('a run timeout far in the future times the workflow out once time skips to it', async () => {
    const { client, server } = t;
    server.engine.setTimeSkipping(true);
    await startWorkflow(client, 'wf-run-timeout', 'q-run-timeout', {
      workflowRunTimeoutMs: 7 * 24 * 3_600_000,
    });
    const task = await pollWorkflowTask(client, 'q-run-timeout');
    await completeWorkflowTask(client, task, []);
    const closed = await waitForClose(client, 'wf-run-timeout');
    expect(closed.attributes.case).toBe('workflowExecutionTimedOutEventAttributes');
  });
});
