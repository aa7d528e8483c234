/**
 * One workflow of each versioning behavior. Every build of the deployment (1.0, 1.1, 2.0) runs this same
 * module; the builds differ by the build id their process manager gives them, which `whichBuild` reports.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
} from 'strata/workflow';
import type * as activities from './activities.js';

const { whichBuild } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

export const finish = defineSignal('finish');
export const step = defineSignal('step');
/** The builds the workflow's steps ran on so far. */
export const builds = defineQuery<string[]>('builds');

/**
 * Pinned (V4): every workflow task, and the activities on the deployment's task queue, run on the version
 * the order started on, whatever becomes current meanwhile.
 */
export async function order(): Promise<string[]> {
  const ranOn: string[] = [];
  let done = false;
  setHandler(builds, () => ranOn);
  setHandler(finish, () => {
    done = true;
  });
  ranOn.push(await whichBuild());
  await condition(() => done);
  ranOn.push(await whichBuild());
  return ranOn;
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, order);

/** AutoUpgrade (V4): each step runs on the version that is current (or ramped to it) at that moment. */
export async function subscription(): Promise<string[]> {
  const ranOn: string[] = [];
  let steps = 0;
  let done = false;
  setHandler(builds, () => ranOn);
  setHandler(step, () => {
    steps += 1;
  });
  setHandler(finish, () => {
    done = true;
  });
  while (!done) {
    await condition(() => done || steps > ranOn.length);
    if (steps > ranOn.length) ranOn.push(await whichBuild());
  }
  return ranOn;
}
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, subscription);
