/**
 * Walks the patching guide's three stages (`npm run patching`): deploys v1, v2, v3 and vFinal of `myWorkflow` in
 * turn on a Strata server, starts workflows on each, lets days pass, and before each deploy asks the CLI what is
 * safe (`strata workflow patch-status`) and checks the next version against the running workflows
 * (`strata workflow replay`). The server is the dev server's engine in this process on a virtual clock
 * (`TestWorkflowEnvironment.createTimeSkipping`), so the guide's one-day sleeps pass in milliseconds; the CLI runs
 * as a separate process against it, as it would against `strata server start-dev`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkflowHandle } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DefaultLogger, Worker } from 'strata/worker';
import * as activities from './activities.js';

type Version = 'v1' | 'v2' | 'v3' | 'vFinal';
const taskQueue = 'patching';
const running = 'WorkflowType = "myWorkflow" AND ExecutionStatus = "Running"';
const cli = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));
const workflowsPath = (version: Version) =>
  fileURLToPath(new URL(`./workflows-${version}.ts`, import.meta.url));
const shortPath = (version: Version) => `examples/patching/workflows-${version}.ts`;

const env = await TestWorkflowEnvironment.createTimeSkipping();
const handles = new Map<string, WorkflowHandle>();
let deployed: Worker | undefined;
let deployedRun: Promise<void> | undefined;
let next = 1;

/** Replaces the running worker by one of `version` (a new process in real life: its cache starts empty). */
async function deploy(version: Version): Promise<void> {
  await deployed?.shutdown();
  await deployedRun;
  deployed = await Worker.create({
    connection: env.connection,
    taskQueue,
    workflowsPath: workflowsPath(version),
    activities,
    logger: new DefaultLogger('WARN'),
  });
  deployedRun = deployed.run();
  // A round trip, so the server has seen the old worker's polls end before any task is handed out.
  await env.client.workflow.count();
  console.log(`\n== ${version} deployed (${shortPath(version)})`);
}

/** What a workflow did so far, read from its history. */
async function story(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const steps = history.events.flatMap((e) => {
    const a = e.attributes;
    if (a.case === 'activityTaskScheduledEventAttributes') return [a.value.activityType?.name ?? ''];
    if (a.case === 'timerStartedEventAttributes') return ['sleep'];
    if (a.case === 'markerRecordedEventAttributes') {
      const data = a.value.details.patch_data?.payloads[0]?.data;
      const marker =
        data && (JSON.parse(new TextDecoder().decode(data)) as { id: string; deprecated: boolean });
      return marker ? [`${marker.deprecated ? 'deprecated ' : ''}marker "${marker.id}"`] : [];
    }
    return [];
  });
  const status = (await handle.describe()).status.name;
  return `${steps.join(', ')} (${status === 'RUNNING' ? 'sleeping' : status.toLowerCase()})`;
}

/** Starts a workflow and waits until it sleeps its day. */
async function start(): Promise<void> {
  const workflowId = `patching-${next++}`;
  const handle = await env.client.workflow.start('myWorkflow', { taskQueue, workflowId });
  handles.set(workflowId, handle);
  while (!(await story(handle)).includes('sleep')) await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`started ${workflowId}: ${await story(handle)}`);
}

/** Lets a day pass and waits until the workflows sleeping then have finished. */
async function aDayPasses(): Promise<void> {
  const open = [];
  for (const [workflowId, handle] of handles) {
    if ((await handle.describe()).status.name === 'RUNNING') open.push([workflowId, handle] as const);
  }
  console.log('... a day passes');
  await env.sleep('1 day');
  for (const [workflowId, handle] of open) {
    await handle.result();
    console.log(`finished ${workflowId}: ${await story(handle)}`);
  }
}

async function strata(...args: string[]): Promise<void> {
  console.log(`$ strata ${args.map((a) => (/[\s"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const result = await promisify(execFile)(process.execPath, [cli, ...args], {
    env: { ...process.env, STRATA_ADDRESS: env.connection.address },
  }).catch((err: { stdout: string; stderr: string; code: number }) => err);
  const output = `${result.stdout}${result.stderr}`
    .trimEnd()
    .replaceAll(fileURLToPath(new URL('../..', import.meta.url)), '');
  console.log(output.replace(/^/gm, '  '));
  if ('code' in result) console.log(`  (exit code ${result.code})`);
}

const replayAgainst = (version: Version) =>
  strata('workflow', 'replay', '--workflows', shortPath(version), '-q', running);
const patchStatus = () => strata('workflow', 'patch-status', 'my-change-id', '--type', 'myWorkflow');

try {
  process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
  await deploy('v1');
  await start();
  await start();
  console.log('\nCan vFinal be deployed right away? Replay the running workflows against it:');
  await replayAgainst('vFinal');
  console.log(
    '\nStage 1: patch in the new code with patched(). Check v2 against the running workflows first:',
  );
  await replayAgainst('v2');

  await deploy('v2');
  await start();
  await patchStatus();
  await aDayPasses();
  await start();

  console.log('\nStage 2: no workflow without the marker runs any more? Ask, then check v3:');
  await patchStatus();
  await replayAgainst('v3');
  await deploy('v3');
  await start();
  await aDayPasses();
  await start();

  console.log('\nStage 3: no workflow with a plain marker runs any more? Ask, then check vFinal:');
  await patchStatus();
  await replayAgainst('vFinal');
  await deploy('vFinal');
  await aDayPasses();
  await start();
  await aDayPasses();
} finally {
  await deployed?.shutdown();
  await deployedRun;
  await env.teardown();
}
