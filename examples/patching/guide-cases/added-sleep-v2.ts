/**
 * The added `sleep()` can change the execution path: a workflow that was on the `runActivity` step replays this
 * code, which starts a timer where its history scheduled the activity, and the worker reports a non-determinism
 * error.
 */
import { proxyActivities, sleep } from 'strata/workflow';
import type * as activities from '../activities.js';

const { runActivity } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

// to v2
// biome-ignore lint/correctness/noUnusedFunctionParameters: the guide's signature, kept as it reads there
export async function yourWorkflow(value: number): Promise<number> {
  await sleep('1 day');
  await runActivity();
  return 7;
}
