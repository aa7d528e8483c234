/**
 * Stage 2: once no workflow that started on v1 is running, remove the old code and deprecate the patch. The
 * deprecated marker lets v2 workers still running take the patched branch for workflows v3 started.
 */
import { deprecatePatch, proxyActivities, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { activityB } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

// v3
export async function myWorkflow(): Promise<void> {
  deprecatePatch('my-change-id');
  await activityB();
  await sleep('1 days');
}
