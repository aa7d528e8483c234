import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { describe, expect, it } from 'vitest';
import * as activities from './activities.js';
import { approve, hello, status } from './workflows.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/hello', () => {
  it('waits for approval, answers its status query, sleeps and greets', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    try {
      const worker = await Worker.create({
        connection: env.connection,
        taskQueue: 'hello',
        workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
        activities,
      });
      const result = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(hello, {
          taskQueue: 'hello',
          workflowId: 'hello-test',
          args: ['Ada'],
        });
        expect(await handle.query(status)).toBe('waiting for approval');
        await handle.signal(approve, 'the test');
        return handle.result();
      });
      expect(result).toBe('Hello, Ada! (activity attempt 1) Approved by the test.');
    } finally {
      await env.teardown();
    }
  });

  it('runs as the README says: npm run hello starts a server, a worker and a client', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/hello/run.ts'],
      { cwd: root, env: { ...process.env, STRATA_PORT: '0' }, timeout: 60_000 },
    );
    expect(stdout).toContain('[client] client: status is "waiting for approval"');
    expect(stdout).toContain(
      '[client] client: result: Hello, Strata! (activity attempt 1) Approved by the quickstart.',
    );
    expect(stdout).toContain('[worker] worker: stopped');
  });
});
