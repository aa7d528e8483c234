/** The guide's initial version: activityA, a long sleep, then an activity that must run after A. */
import { proxyActivities, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { activityA, activityThatMustRunAfterA } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
});

// v1
export async function myWorkflow(): Promise<void> {
  await activityA();
  await sleep('1 days'); // arbitrary long sleep to simulate a long running workflow we need to patch
  await activityThatMustRunAfterA();
}
