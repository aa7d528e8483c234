/**
 * Build v1.2.0 of `invoice`, with the bug: the total with 10% tax is computed in floating point and never
 * rounded, so 10 + 40 becomes "55.00000000000001". Pinned: each invoice finishes on the build it started on.
 */
import { condition, defineSignal, proxyActivities, setHandler, setWorkflowOptions } from 'strata/workflow';
import type * as activities from './activities.js';

const { sendInvoice } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

export const approve = defineSignal('approve');

export async function invoice(amounts: number[]): Promise<string> {
  let approved = false;
  setHandler(approve, () => {
    approved = true;
  });
  await condition(() => approved);
  const total = amounts.reduce((sum, amount) => sum + amount, 0) * 1.1;
  return sendInvoice(String(total));
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, invoice);
