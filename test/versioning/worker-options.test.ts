import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker, WorkerOptionsError } from '../../src/worker/index.js';
import { compileWorkerOptions, type WorkerOptions } from '../../src/worker/worker-options.js';
import { useTestServer } from '../worker/harness.js';
import { pinnedWorkflow } from './fixtures/workflows.js';

/** Checks of worker versioning options need no server: a connection is only stored until the worker runs. */
const connection = { workflowService: {} } as WorkerOptions['connection'];
const activities = { greet: async (name: string) => `Hello, ${name}` };
const version = { deploymentName: 'orders/prod', buildId: 'v1' };
const declaringWorkflows = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const plainWorkflows = fileURLToPath(new URL('../fixtures/worker-workflows.ts', import.meta.url));

describe('worker versioning options (V1)', () => {
  it('V1: workerDeploymentOptions are checked, and sent in their wire form', () => {
    const compiled = compileWorkerOptions({
      connection,
      taskQueue: 'q',
      activities,
      workerDeploymentOptions: {
        version,
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      },
    });
    expect(compiled.deployment).toMatchObject({
      version,
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
      proto: { version, useWorkerVersioning: true, defaultVersioningBehavior: 2 },
    });
    const bad = (workerDeploymentOptions: unknown) => () =>
      compileWorkerOptions({
        connection,
        taskQueue: 'q',
        activities,
        workerDeploymentOptions: workerDeploymentOptions as WorkerOptions['workerDeploymentOptions'],
      });
    expect(bad({ version: { deploymentName: 'a:b', buildId: '1' }, useWorkerVersioning: true })).toThrow(
      /\[INVALID_WORKER_OPTIONS\] workerDeploymentOptions.version: the deployment name "a:b" contains ":"/,
    );
    expect(bad({ version: { deploymentName: 'a', buildId: '' }, useWorkerVersioning: true })).toThrow(
      /workerDeploymentOptions.version: the build id is empty/,
    );
    expect(bad({ version, useWorkerVersioning: true, defaultVersioningBehavior: 'LATEST' })).toThrow(
      /defaultVersioningBehavior must be 'PINNED' or 'AUTO_UPGRADE', got "LATEST"/,
    );
    expect(bad({ version })).toThrow(/useWorkerVersioning must be true or false/);
  });

  it('V1: a process manager configures the worker through the environment', () => {
    const compiled = compileWorkerOptions(
      { connection, taskQueue: 'q', activities },
      {
        STRATA_NAMESPACE: 'shop',
        STRATA_DEPLOYMENT_NAME: 'orders/prod',
        STRATA_WORKER_BUILD_ID: 'v7',
        STRATA_DEFAULT_VERSIONING_BEHAVIOR: 'PINNED',
      },
    );
    expect(compiled.namespace).toBe('shop');
    expect(compiled.deployment).toMatchObject({
      version: { deploymentName: 'orders/prod', buildId: 'v7' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
    // The code's own options win over the environment.
    const own = compileWorkerOptions(
      {
        connection,
        taskQueue: 'q',
        activities,
        namespace: 'default',
        workerDeploymentOptions: { version, useWorkerVersioning: false },
      },
      { STRATA_NAMESPACE: 'shop', STRATA_DEPLOYMENT_NAME: 'x', STRATA_WORKER_BUILD_ID: 'y' },
    );
    expect(own).toMatchObject({ namespace: 'default', deployment: { version, useWorkerVersioning: false } });
    expect(() =>
      compileWorkerOptions({ connection, taskQueue: 'q', activities }, { STRATA_WORKER_BUILD_ID: 'v7' }),
    ).toThrow(
      /STRATA_DEPLOYMENT_NAME and STRATA_WORKER_BUILD_ID go together: set both .* \(got only STRATA_WORKER_BUILD_ID\)/,
    );
    expect(compileWorkerOptions({ connection, taskQueue: 'q', activities }, {}).deployment).toBeUndefined();
  });

  it('V1: with versioning on, every workflow needs a behavior, its own or the default', async () => {
    await expect(
      Worker.create({
        connection,
        taskQueue: 'q',
        workflowsPath: plainWorkflows,
        workerDeploymentOptions: { version, useWorkerVersioning: true },
      }),
    ).rejects.toThrow(
      /\[INVALID_WORKER_OPTIONS\] worker versioning is on \(orders\/prod:v1\) but workflow\(s\) .* declare no versioning behavior: set workerDeploymentOptions.defaultVersioningBehavior/,
    );
    await expect(
      Worker.create({
        connection,
        taskQueue: 'q',
        workflowsPath: plainWorkflows,
        workerDeploymentOptions: { version, useWorkerVersioning: true },
      }),
    ).rejects.toBeInstanceOf(WorkerOptionsError);
    // Every workflow of this module declares its behavior with setWorkflowOptions: no default needed.
    const worker = await Worker.create({
      connection,
      taskQueue: 'q',
      workflowsPath: declaringWorkflows,
      workerDeploymentOptions: { version, useWorkerVersioning: true },
    });
    await worker.shutdown();
  });
});

describe('versioning overrides from the client (V5)', () => {
  const t = useTestServer();

  it('V5: a malformed override is refused before anything is sent', async () => {
    const start = (versioningOverride: unknown) =>
      t.client.workflow.start(pinnedWorkflow, {
        taskQueue: 'nobody',
        workflowId: 'bad-override',
        args: [1],
        versioningOverride: versioningOverride as 'AUTO_UPGRADE',
      });
    await expect(start({ pinnedTo: { deploymentName: 'orders', buildId: '' } })).rejects.toThrow(
      '[INVALID_ARGUMENT] versioningOverride.pinnedTo: the build id is empty',
    );
    await expect(start('PINNED')).rejects.toThrow(
      "[INVALID_ARGUMENT] versioningOverride must be 'AUTO_UPGRADE' or { pinnedTo: { deploymentName, buildId } }",
    );
    const handle = t.client.workflow.getHandle('bad-override');
    await expect(handle.updateOptions({} as never)).rejects.toThrow(
      /\[INVALID_ARGUMENT\] updateOptions needs versioningOverride/,
    );
    await expect(handle.describe()).rejects.toThrow(/not found/);
  });
});
