/** R2 for the closing command of continue-as-new: live histories replay; a changed close is caught. */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DeterminismViolationError, Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import { countdown, untilSuggested } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));

let env: TestWorkflowEnvironment;
const histories: History[] = [];
let suggestedHistory: History;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    limits: { suggestContinueAsNewHistoryLength: 20 },
  });
  const worker = await Worker.create({ connection: env.connection, taskQueue: 'replay', workflowsPath });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(countdown, {
      taskQueue: 'replay',
      workflowId: 'r',
      args: [2],
    });
    await handle.result();
    const first = env.client.workflow.getHandle('r', handle.firstExecutionRunId);
    histories.push(await first.fetchHistory());
    histories.push(await env.client.workflow.getHandle('r').fetchHistory());
    const suggested = await env.client.workflow.start(untilSuggested, {
      taskQueue: 'replay',
      workflowId: 's',
      args: [2],
    });
    await suggested.result();
    suggestedHistory = await env.client.workflow.getHandle('s', suggested.firstExecutionRunId).fetchHistory();
  });
});

afterAll(async () => {
  await env?.teardown();
});

describe('replay of runs that continued as new', () => {
  it('R1: a live history ending in WorkflowExecutionContinuedAsNew replays without error', async () => {
    expect(histories[0]?.events.at(-1)?.attributes.case).toBe(
      'workflowExecutionContinuedAsNewEventAttributes',
    );
    await Worker.runReplayHistory({ workflowsPath }, histories[0] as History);
    await Worker.runReplayHistory({ workflowsPath }, histories[1] as History);
  });

  it('R1: continueAsNewSuggested replays from the recorded WorkflowTaskStarted events', async () => {
    await Worker.runReplayHistory({ workflowsPath }, suggestedHistory);
  });

  it('R4: a sleep added before continueAsNew is a non-determinism error naming the recorded close', async () => {
    const error = await Worker.runReplayHistory(
      { workflowsPath: fixture('countdown-sleeps-first') },
      histories[0] as History,
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(String((error as Error).message)).toMatch(/\[NDE\].*WorkflowExecutionContinuedAsNew.*StartTimer/);
  });

  it('R2: completing where the history continued as new is a non-determinism error', async () => {
    const error = await Worker.runReplayHistory(
      { workflowsPath: fixture('countdown-completes') },
      histories[0] as History,
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(String((error as Error).message)).toMatch(/ContinuedAsNew.*CompleteWorkflowExecution/);
  });
});
