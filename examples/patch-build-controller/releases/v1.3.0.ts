/** Release v1.3.0, the next regular release: orders ship and say so in capitals. */
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
  return `ORDER ${orderId} SHIPPED BY ${await whoAmI()}`;
}
