/**
 * Patch build v1.2.1 of `invoice`: the total is rounded to cents. Up to the approval it runs the same
 * steps as v1.2.0, so invoices that v1.2.0 started replay here unchanged and finish with the fix.
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
  const cents = Math.round(amounts.reduce((sum, amount) => sum + amount, 0) * 110);
  return sendInvoice((cents / 100).toFixed(2));
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, invoice);
