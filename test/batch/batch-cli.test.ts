/**
 * `strata workflow terminate|cancel|signal --query` and `strata batch list|describe|terminate`, run as
 * the real CLI with no terminal on stdin (as in CI): no question is asked, the batch runs on the server,
 * and the CLI reports how many workflows it changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually } from '../helpers/strata-server.js';
import { type BatchTestEnvironment, startBatchTestEnvironment } from './environment.js';
import { finish } from './workflows.js';

let batchEnv: BatchTestEnvironment;
let client: Client;
let env: Record<string, string>;
const startWaiters = (prefix: string, count: number) => batchEnv.startWaiters(prefix, count);

beforeAll(async () => {
  batchEnv = await startBatchTestEnvironment('batch-cli');
  ({ client, env } = batchEnv);
});

afterAll(() => batchEnv.close());

describe('strata workflow ... --query', () => {
  it('terminate --query runs a batch without asking when stdin is no terminal, and prints the count', async () => {
    const handles = await startWaiters('cli-term', 3);
    const result = await runCli(
      ['workflow', 'terminate', '--query', 'WorkflowId STARTS_WITH "cli-term-"', '--reason', 'cleanup'],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Started batch for job ID: \S+\n/);
    expect(result.stdout).toMatch(/Batch \S+ COMPLETED: terminated 3 of 3 workflow\(s\), 0 failed\.\n$/);
    for (const handle of handles) expect((await handle.describe()).status.name).toBe('TERMINATED');
  });

  it('cancel --query and signal --query with -o json report the batch as one JSON document', async () => {
    const handles = await startWaiters('cli-sig', 2);
    const signaled = await runCli(
      [
        'workflow',
        'signal',
        '-q',
        'WorkflowId STARTS_WITH "cli-sig-"',
        '--name',
        'bump',
        '-i',
        '5',
        '-o',
        'json',
      ],
      env,
    );
    expect(signaled.exitCode).toBe(0);
    expect(JSON.parse(signaled.stdout)).toMatchObject({
      state: 'COMPLETED',
      totalOperationCount: 2,
      completeOperationCount: 2,
      failureOperationCount: 0,
      failures: [],
    });

    const canceled = await runCli(
      ['workflow', 'cancel', '-q', 'WorkflowId STARTS_WITH "cli-sig-"', '-y'],
      env,
    );
    expect(canceled.exitCode).toBe(0);
    expect(canceled.stdout).toContain('requested cancellation of 2 of 2 workflow(s), 0 failed.');
    for (const handle of handles) {
      await eventually(async () => (await handle.describe()).status.name === 'CANCELLED');
    }
  });

  it('-w keeps its single-workflow meaning', async () => {
    const [handle] = await startWaiters('cli-single', 1);
    const result = await runCli(['workflow', 'signal', '-w', 'cli-single-0', '--name', 'finish'], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('Signal "finish" sent to cli-single-0\n');
    expect(await handle?.result()).toEqual([]);
  });

  it('bad combinations and bad queries exit 2 naming what to fix, before any batch starts', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['workflow', 'terminate'], /give --workflow-id \(-w\) for one workflow, or --query \(-q\)/],
      [['workflow', 'terminate', '-w', 'a', '-q', 'WorkflowId = "a"'], /not both/],
      [
        ['workflow', 'cancel', '-q', 'WorkflowId = "a"', '-r', 'r1'],
        /--run-id \(-r\) goes with --workflow-id/,
      ],
      [['workflow', 'terminate', '-q', 'NoSuchAttribute = "x"'], /NoSuchAttribute/],
      [['workflow', 'signal', '-q', 'WorkflowId = "a"'], /required option '--name <signal>'/],
      [['batch', 'terminate', '--job-id', 'x'], /required option '--reason <text>'/],
    ];
    const batchCount = async () => {
      let count = 0;
      for await (const _ of client.batch.list()) count++;
      return count;
    };
    const before = await batchCount();
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index];
      expect({ args, exitCode: result?.exitCode }).toEqual({ args, exitCode: 2 });
      expect(result?.stderr).toMatch(message);
    }
    expect(await batchCount()).toBe(before);
  });
});

describe('strata batch', () => {
  it('list, describe and terminate a running batch; the waiting CLI then exits 1 saying it was stopped', async () => {
    await startWaiters('cli-slow', 20);
    const waiting = runCli(
      ['workflow', 'terminate', '-q', 'WorkflowId STARTS_WITH "cli-slow-"', '--rps', '1'],
      env,
    );
    const jobId = await eventually(async () => {
      for await (const batch of client.batch.list()) if (batch.state === 'RUNNING') return batch.jobId;
      return undefined;
    });

    const listed = await runCli(['batch', 'list'], env);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^JobId\s+Type\s+State\s+StartTime\s+CloseTime\s+Changed\s+Failed$/,
    );
    expect(listed.stdout).toMatch(new RegExp(`${jobId}\\s+TERMINATE\\s+RUNNING`));

    const stopped = await runCli(['batch', 'terminate', '--job-id', jobId, '--reason', 'too slow'], env);
    expect(stopped).toMatchObject({ exitCode: 0, stdout: `Batch ${jobId} terminated\n` });

    const described = await runCli(['batch', 'describe', '--job-id', jobId], env);
    expect(described.exitCode).toBe(0);
    expect(described.stdout).toMatch(/State\s+TERMINATED/);
    expect(described.stdout).toMatch(/CloseReason\s+too slow/);
    expect(described.stdout).toMatch(/Query\s+WorkflowId STARTS_WITH "cli-slow-"/);
    expect(described.stdout).toMatch(/Total\s+20\n/);
    const first = await waiting;
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toMatch(/Batch \S+ TERMINATED: terminated \d+ of 20 workflow\(s\), 0 failed\./);
    expect(first.stderr).toContain('stopped: too slow');

    const unknown = await runCli(['batch', 'describe', '--job-id', 'nope'], env);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/BATCH_NOT_FOUND.*"nope"/);

    for (let n = 0; n < 20; n++) {
      const handle = client.workflow.getHandle(`cli-slow-${n}`);
      if ((await handle.describe()).status.name === 'RUNNING') await handle.signal(finish);
    }
  });
});

describe('strata workflow update-options', () => {
  it("-w sets and removes one workflow's override; bad flag combinations exit 2 naming the flag", async () => {
    await startWaiters('single-override', 1);
    const single = await runCli(
      [
        'workflow',
        'update-options',
        '-w',
        'single-override-0',
        '--versioning-override-behavior',
        'auto_upgrade',
      ],
      env,
    );
    expect(single).toMatchObject({
      exitCode: 0,
      stdout: 'Versioning override of single-override-0: auto-upgrade\n',
    });
    const removed = await runCli(
      [
        'workflow',
        'update-options',
        '-w',
        'single-override-0',
        '--versioning-override-behavior',
        'unspecified',
        '-o',
        'json',
      ],
      env,
    );
    expect(JSON.parse(removed.stdout)).toEqual({ workflowId: 'single-override-0', versioningOverride: null });

    const cases: Array<[string[], RegExp]> = [
      [
        ['-w', 'x', '--versioning-override-behavior', 'pinned', '--versioning-override-build-id', 'b'],
        /pinned needs the version to pin to: give --versioning-override-deployment-name$/m,
      ],
      [
        [
          '-q',
          'WorkflowId = "x"',
          '--versioning-override-behavior',
          'auto_upgrade',
          '--versioning-override-build-id',
          'b',
        ],
        /--versioning-override-build-id go only with --versioning-override-behavior pinned, not auto_upgrade/,
      ],
      [['-w', 'x'], /required option '--versioning-override-behavior <behavior>' not specified/],
      [
        [
          '-q',
          'WorkflowId = "x"',
          '--versioning-override-behavior',
          'pinned',
          '--versioning-override-deployment-name',
          'my:worker',
          '--versioning-override-build-id',
          'v1',
        ],
        /\[INVALID_ARGUMENT\] versioningOverride.pinnedTo: the deployment name "my:worker" contains ":"/,
      ],
      [
        ['-w', 'x', '--versioning-override-behavior', 'sticky'],
        /Allowed choices are pinned, auto_upgrade, unspecified/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => runCli(['workflow', 'update-options', ...args], env)),
    );
    for (const [index, [args, message]] of cases.entries()) {
      expect({ args, exitCode: results[index]?.exitCode }).toEqual({ args, exitCode: 2 });
      expect(results[index]?.stderr).toMatch(message);
    }
    await client.workflow.getHandle('single-override-0').signal(finish);
  });
});
