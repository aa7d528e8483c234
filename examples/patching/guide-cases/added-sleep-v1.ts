/** "Do I need to patch?": the guide's v1 before a `sleep` is added (see added-sleep-v2.ts). */
import { proxyActivities } from 'strata/workflow';
import type * as activities from '../activities.js';

const { runActivity } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

// from v1
// biome-ignore lint/correctness/noUnusedFunctionParameters: the guide's signature, kept as it reads there
export async function yourWorkflow(value: number): Promise<number> {
  await runActivity();
  return 7;
}
