import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';
import { startTestServer } from './helpers.js';

describe('server lifecycle', () => {
  it('close ends pending long polls with empty responses, then stops', async () => {
    const { server, client } = await startTestServer({ limits: { longPollTimeoutMs: 30_000 } });
    const workflowPoll = client.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: 'idle' });
    const activityPoll = client.pollActivityTaskQueue({ namespace: 'default', taskQueue: 'idle' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect((await workflowPoll).taskToken.length).toBe(0);
    expect((await activityPoll).taskToken.length).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a second server on a used port fails with a clear message', async () => {
    const first = await startTestServer();
    try {
      await expect(startServer({ port: first.server.port, logLevel: 'error' })).rejects.toThrow(
        `port ${first.server.port} on 127.0.0.1 is already in use; stop the other server or choose another --port`,
      );
    } finally {
      await first.server.close();
    }
  });

  it('two servers in one process are independent', async () => {
    const a = await startTestServer();
    const b = await startTestServer({ namespaces: ['other'] });
    try {
      await a.client.startWorkflowExecution({
        namespace: 'default',
        workflowId: 'same-id',
        workflowType: { name: 'W' },
        taskQueue: 'q',
      });
      await b.client.startWorkflowExecution({
        namespace: 'other',
        workflowId: 'same-id',
        workflowType: { name: 'W' },
        taskQueue: 'q',
      });
      expect((await a.client.countWorkflowExecutions({ namespace: 'default' })).count).toBe(1);
      await expect(b.client.countWorkflowExecutions({ namespace: 'default' })).rejects.toThrow(
        /NAMESPACE_NOT_FOUND/,
      );
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it('strata server start-dev prints its address when ready and exits 0 on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./fixtures/strata-server-cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        'server',
        'start-dev',
        '--port',
        '0',
        '--namespace',
        'default',
        '--namespace',
        'ops',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const line = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolve(output.trim());
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    expect(line).toMatch(
      /^Strata dev server listening on 127\.0\.0\.1:\d+ \(namespace default, ops, in-memory\)$/,
    );
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(`${code} ${signal} ${stderr}`)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe('0 null ');
  });
});
