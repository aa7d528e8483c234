import { describe, expect, it } from 'vitest';
import { eventTypes, history, json, startWorkflow, useTestServer } from './helpers.js';

const test = useTestServer();

function signal(workflowId: string, requestId: string, value: unknown): Promise<unknown> {
  return test.client.signalWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId },
    signalName: 'go',
    input: json(value),
    identity: 'test',
    requestId,
  });
}

function signalCount(events: Awaited<ReturnType<typeof history>>): number {
  return eventTypes(events).filter((type) => type === 'WORKFLOW_EXECUTION_SIGNALED').length;
}

describe('signals and their request ids', () => {
  it('a signal resent with the same request id is recorded once, and the resend succeeds', async () => {
    await startWorkflow(test.client, 'wf-signal-dedup', 'q-signal-dedup');
    await signal('wf-signal-dedup', 'request-1', 'first');
    await signal('wf-signal-dedup', 'request-1', 'first');
    await signal('wf-signal-dedup', 'request-2', 'second');
    await signal('wf-signal-dedup', 'request-1', 'first');
    expect(signalCount(await history(test.client, 'wf-signal-dedup'))).toBe(2);
  });

  it('signals without a request id are each recorded', async () => {
    await startWorkflow(test.client, 'wf-signal-no-id', 'q-signal-dedup');
    await signal('wf-signal-no-id', '', 'a');
    await signal('wf-signal-no-id', '', 'a');
    expect(signalCount(await history(test.client, 'wf-signal-no-id'))).toBe(2);
  });
});
