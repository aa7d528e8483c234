/**
 * The guide's second alternative, "version the workflow name": `myWorkflow` stays as it was (v1) for the workflows
 * already running, and the new code is a copy under a new name, `myWorkflow2`. Workers register both; clients
 * start only `myWorkflow2` from now on; `myWorkflow` is removed once none of its workflows runs.
 */
import { proxyActivities, sleep } from 'strata/workflow';
import type * as activities from '../activities.js';

const { activityA, activityB, activityThatMustRunAfterA } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
});

export async function myWorkflow(): Promise<void> {
  await activityA();
  await sleep('1 days');
  await activityThatMustRunAfterA();
}

export async function myWorkflow2(): Promise<void> {
  await activityB();
  await sleep('1 days');
}
