/**
 * Stage 1: patch in the new code. New workflows record a `my-change-id` marker and run activityB; workflows that
 * started on v1 replay without the marker and keep the old branch.
 */
import { patched, proxyActivities, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { activityA, activityB, activityThatMustRunAfterA } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
});

// v2
export async function myWorkflow(): Promise<void> {
  if (patched('my-change-id')) {
    await activityB();
    await sleep('1 days');
  } else {
    await activityA();
    await sleep('1 days');
    await activityThatMustRunAfterA();
  }
}
