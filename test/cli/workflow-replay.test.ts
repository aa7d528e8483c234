/**
 * `strata workflow replay` and `strata workflow patch-status` against a real server holding running workflows of
 * the patching guide: two started on v1 (no marker), one on v2 (marker), one no worker has run yet.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from '../../examples/patching/activities.js';
import { Client, Connection } from '../../src/client/index.js';
import type { StrataServer } from '../../src/server/index.js';
import { bundleWorkflowCode, Worker } from '../../src/worker/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';

const guide = (version: string) =>
  fileURLToPath(new URL(`../../examples/patching/workflows-${version}.ts`, import.meta.url));
const running = 'WorkflowType = "myWorkflow" AND ExecutionStatus = "Running"';

let server: StrataServer;
let connection: Connection;
let client: Client;
let env: Record<string, string>;
let dir: string;

/** Runs a worker of `version` until each workflow it starts sleeps its day. */
async function startSleeping(version: string, workflowIds: string[]): Promise<void> {
  const worker = await Worker.create({
    connection,
    taskQueue: 'guide',
    workflowsPath: guide(version),
    activities,
    maxCachedWorkflows: 0,
  });
  await worker.runUntil(async () => {
    for (const workflowId of workflowIds) {
      const handle = await client.workflow.start('myWorkflow', { taskQueue: 'guide', workflowId });
      await eventually(async () =>
        (await handle.fetchHistory()).events.some((e) => e.attributes.case === 'timerStartedEventAttributes'),
      );
    }
  });
}

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  env = { STRATA_ADDRESS: server.address };
  dir = await mkdtemp(join(tmpdir(), 'strata-replay-'));
  await startSleeping('v1', ['v1-a', 'v1-b']);
  await startSleeping('v2', ['v2-a']);
  // No worker polls this queue: the workflow has not run any code yet.
  await client.workflow.start('myWorkflow', { taskQueue: 'nobody-polls', workflowId: 'not-started' });
  await client.workflow.start('otherWorkflow', { taskQueue: 'nobody-polls', workflowId: 'other' });
});

afterAll(async () => {
  connection?.close();
  await server?.close();
});

describe('strata workflow replay', () => {
  it('replays every running workflow a query matches against new code: all continue on v2 (exit 0)', async () => {
    const { exitCode, stdout, stderr } = await runCli(
      ['workflow', 'replay', '--workflows', guide('v2'), '-q', running],
      env,
    );
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(
      /^Replayed 4 workflow histories \(\d+ events\) against .*workflows-v2\.ts \(bundle [0-9a-f]{12}\)/,
    );
    expect(stdout).toContain('  replayed cleanly  4\n  diverged          0\n  could not replay  0');
  });

  it('reports the workflows vFinal cannot continue, with the diverging event, and exits 1', async () => {
    const { exitCode, stdout } = await runCli(
      ['workflow', 'replay', '--workflows', guide('vFinal'), '-q', running],
      env,
    );
    expect(exitCode).toBe(1);
    expect(stdout).toContain('  replayed cleanly  1\n  diverged          3\n');
    const rows = stdout.split('\n').filter((line) => line.startsWith('DIVERGED'));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      ['DIVERGED', 'v2-a'],
      ['DIVERGED', 'v1-b'],
      ['DIVERGED', 'v1-a'],
    ]);
    expect(rows.every((row) => /\s5\s+at event 5 the history has /.test(row))).toBe(true);
    expect(stdout).toContain('First problem, in full (v2-a):');
    expect(stdout).toContain('This run recorded patch "my-change-id" at event 5');
  });

  it('-w replays one workflow; -o json gives the counts and one result per history', async () => {
    const { exitCode, stdout } = await runCli(
      ['workflow', 'replay', '--workflows', guide('v3'), '-w', 'v1-a', '-o', 'json'],
      env,
    );
    expect(exitCode).toBe(1);
    const report = JSON.parse(stdout) as { histories: number; diverged: number; results: unknown[] };
    expect(report).toMatchObject({ histories: 1, replayed: 0, diverged: 1, failed: 0 });
    expect(report.results).toEqual([
      expect.objectContaining({
        workflowId: 'v1-a',
        status: 'diverged',
        eventId: 5,
        error: expect.stringContaining("but the code calls `deprecatePatch('my-change-id')`"),
      }),
    ]);
  });

  it('--history-file replays exported histories without a server: Strata JSON and Temporal JSON', async () => {
    const shown = await runCli(['workflow', 'show', '-w', 'v2-a', '-o', 'json'], env);
    const file = join(dir, 'v2-a.json');
    await writeFile(file, shown.stdout);
    const temporal = fileURLToPath(
      new URL('../workflow/fixtures/histories/your-workflow-v1.json', import.meta.url),
    );
    const ok = await runCli(['workflow', 'replay', '--workflows', guide('v3'), '--history-file', file], {
      STRATA_ADDRESS: '127.0.0.1:1',
    });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('replayed cleanly  1');
    const yourWorkflow = fileURLToPath(
      new URL('../../examples/patching/guide-cases/added-sleep-v1.ts', import.meta.url),
    );
    const both = await runCli([
      'workflow',
      'replay',
      '--workflows',
      yourWorkflow,
      '--history-file',
      temporal,
    ]);
    expect(both.exitCode).toBe(0);
  });

  it('a command line without histories, or a history file that is none, is a usage error (exit 2)', async () => {
    const none = await runCli(['workflow', 'replay', '--workflows', guide('v2')], env);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toBe(
      'error: say which histories to replay with exactly one of -w <workflow id>, --query <visibility query> or --history-file <file>\n',
    );
    const file = join(dir, 'not-history.json');
    await writeFile(file, '{"workflowId": "x"}');
    const bad = await runCli(['workflow', 'replay', '--workflows', guide('v2'), '--history-file', file]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(
      `error: --history-file ${file} is not a workflow history: it has no "events" array.`,
    );
  });
});

describe('workflow bundle identity', () => {
  it('the hash of the bundle a run last ran on is shown by describe, and by show on each WorkflowTaskCompleted', async () => {
    const { hash } = await bundleWorkflowCode({ workflowsPath: guide('v2') });
    const described = await runCli(['workflow', 'describe', '-w', 'v2-a'], env);
    expect(described.stdout).toContain(`  BinaryChecksum  ${hash}\n`);
    const json = JSON.parse((await runCli(['workflow', 'describe', '-w', 'v2-a', '-o', 'json'], env)).stdout);
    expect(json.binaryChecksum).toBe(hash);
    const shown = await runCli(['workflow', 'show', '-w', 'v2-a'], env);
    const completions = shown.stdout.split('\n').filter((line) => line.includes('WorkflowTaskCompleted'));
    expect(completions).toHaveLength(2);
    for (const line of completions) expect(line).toContain(`binaryChecksum=${hash}`);
  });
});

describe('strata workflow patch-status', () => {
  it('stage 1 while workflows without the marker run: counts per kind of marker and the advice', async () => {
    const { exitCode, stdout } = await runCli(
      ['workflow', 'patch-status', 'my-change-id', '--type', 'myWorkflow'],
      env,
    );
    expect(exitCode).toBe(0);
    expect(stdout).toContain(
      'WorkflowType  Running  Patched  Deprecated  NoMarker  NotStarted  SafeStage\n' +
        'myWorkflow    4        1        0           2         1           1',
    );
    expect(stdout).toContain(
      "myWorkflow: stage 1 is safe. 2 running workflows started before the patch: keep patched('my-change-id') and the old branch until they finish.",
    );
  });

  it('without --type: the types that recorded the patch, and a word about the others; -o json', async () => {
    const { stdout } = await runCli(['workflow', 'patch-status', 'my-change-id', '-o', 'json'], env);
    const report = JSON.parse(stdout) as {
      types: { workflowType: string; stage: number }[];
      otherTypes: unknown[];
    };
    expect(report.types.map((t) => [t.workflowType, t.stage])).toEqual([['myWorkflow', 1]]);
    expect(report.otherTypes).toEqual([{ workflowType: 'otherWorkflow', running: 1 }]);
  });
});
