/** Stage 3, the desired end state: safe once no workflow that started on v2 or earlier is running. */
import { proxyActivities, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { activityB } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

// vFinal
export async function myWorkflow(): Promise<void> {
  await activityB();
  await sleep('1 days');
}
