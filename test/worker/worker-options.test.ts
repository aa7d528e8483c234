import { describe, expect, it } from 'vitest';
import { compileWorkerOptions, type WorkerOptions } from '../../src/worker/worker-options.js';

/** Options checks need no server: a connection is only stored, never called, by compileWorkerOptions. */
const connection = { workflowService: {} } as WorkerOptions['connection'];
const activities = { greet: async (name: string) => `Hello, ${name}` };

describe('Worker options', () => {
  it('applies the documented defaults', () => {
    const compiled = compileWorkerOptions({ connection, taskQueue: 'q', activities });
    expect(compiled).toMatchObject({
      namespace: 'default',
      taskQueue: 'q',
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentWorkflowTaskPolls: 10,
      maxConcurrentActivityTaskPolls: 10,
      disableEagerActivityExecution: false,
      maxCachedWorkflows: 1000,
      isolateExecutionTimeoutMs: 5000,
      stickyQueueScheduleToStartTimeoutMs: 5000,
      shutdownGraceTimeMs: 10_000,
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      maxHeartbeatThrottleIntervalMs: 60_000,
      defaultHeartbeatThrottleIntervalMs: 30_000,
    });
    expect(compiled.identity).toMatch(new RegExp(`^${process.pid}@`));
    expect([...compiled.activities.keys()]).toEqual(['greet']);
  });

  it('caps concurrent workflow tasks by the cache size, and polls by executions', () => {
    const compiled = compileWorkerOptions({
      connection,
      taskQueue: 'q',
      workflowsPath: '/w.ts',
      maxCachedWorkflows: 5,
      maxConcurrentActivityTaskExecutions: 3,
      activities,
    });
    expect(compiled.maxConcurrentWorkflowTaskExecutions).toBe(5);
    expect(compiled.maxConcurrentWorkflowTaskPolls).toBe(5);
    expect(compiled.maxConcurrentActivityTaskPolls).toBe(3);
  });

  it.each<[string, Partial<WorkerOptions>, RegExp]>([
    ['a missing taskQueue', { taskQueue: undefined }, /taskQueue is required/],
    ['an empty taskQueue', { taskQueue: ' ' }, /taskQueue must be a non-empty string/],
    ['a missing connection', { connection: undefined }, /connection is required/],
    ['neither workflows nor activities', { activities: undefined }, /nothing to run: pass workflowsPath/],
    [
      'a single workflow task slot with the cache on',
      { workflowsPath: '/w.ts', maxConcurrentWorkflowTaskExecutions: 1 },
      /must both be at least 2 .* maxCachedWorkflows: 0/,
    ],
    [
      'both workflowsPath and workflowBundle',
      { workflowsPath: '/w.ts', workflowBundle: { code: '', hash: '', workflowTypes: [] } },
      /workflowsPath or workflowBundle, not both/,
    ],
    ['activities without a function', { activities: { greeting: 'hi' } }, /nothing to run/],
    ['a bad duration', { shutdownGraceTime: 'soon' }, /shutdownGraceTime: \[INVALID_DURATION\] "soon"/],
    [
      'a zero isolateExecutionTimeout',
      { isolateExecutionTimeout: 0 },
      /isolateExecutionTimeout must be more than 0 ms/,
    ],
    [
      'a zero concurrency',
      { maxConcurrentActivityTaskExecutions: 0 },
      /maxConcurrentActivityTaskExecutions must be an integer >= 1/,
    ],
    [
      'a non-boolean disableEagerActivityExecution',
      { disableEagerActivityExecution: 'yes' as unknown as boolean },
      /disableEagerActivityExecution must be true or false/,
    ],
    ['a negative cache size', { maxCachedWorkflows: -1 }, /maxCachedWorkflows must be an integer >= 0/],
    [
      'bad signals',
      { shutdownSignals: ['TERM' as NodeJS.Signals] },
      /shutdownSignals must be an array of signal names/,
    ],
  ])('rejects %s with a WorkerOptionsError naming the option', (_, override, message) => {
    const options = { connection, taskQueue: 'q', activities, ...override } as WorkerOptions;
    expect(() => compileWorkerOptions(options)).toThrow(message);
    expect(() => compileWorkerOptions(options)).toThrow(/^\[INVALID_WORKER_OPTIONS\]/);
  });
});
