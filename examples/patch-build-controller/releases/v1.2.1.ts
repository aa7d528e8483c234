/**
 * Release v1.2.1, the patch: the same commands up to the bug (so v1.2.0's histories replay), then the
 * order ships through an activity that says which build ran it.
 */
import { condition, defineSignal, proxyActivities, setHandler } from 'strata/workflow';
import type * as activities from '../activities.js';

const { whoAmI } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export const finishSignal = defineSignal('finish');

export async function order(orderId: string): Promise<string> {
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return `order ${orderId} shipped by ${await whoAmI()}`;
}
