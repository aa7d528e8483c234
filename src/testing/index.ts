/**
 * Test environments for workflows: a real Strata server inside the test process, backed by in-memory
 * SQLite, with a client and a connection for workers.
 *
 * - {@link TestWorkflowEnvironment.createLocal}: real time.
 * - {@link TestWorkflowEnvironment.createTimeSkipping}: a virtual clock. While a client waits for a
 *   workflow's result and nothing else can progress (no workflow or activity task queued or running),
 *   time jumps to the next timer, so a workflow that sleeps for 30 days completes in milliseconds.
 *   `env.sleep()` moves time forward explicitly.
 *
 * @example
 * const env = await TestWorkflowEnvironment.createTimeSkipping();
 * const worker = await Worker.create({ connection: env.connection, taskQueue: 'test', workflowsPath, activities });
 * const result = await worker.runUntil(
 *   env.client.workflow.execute(subscription, { taskQueue: 'test', workflowId: 'sub-1' }),
 * );
 * await env.teardown();
 */
export {
  type LocalTestEnvironmentOptions,
  type ServerLimits,
  TestWorkflowEnvironment,
  type TimeSkippingTestEnvironmentOptions,
} from './test-workflow-environment.js';
