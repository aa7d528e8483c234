import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { chargeCard } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export const cancelSubscription = defineSignal('cancelSubscription');
export const billingPeriodsQuery = defineQuery<number>('billingPeriods');

/** Bills once a month for a year unless cancelled: a workflow that lives for months. */
export async function subscription(customer: string): Promise<string> {
  let cancelled = false;
  let periods = 0;
  setHandler(cancelSubscription, () => {
    cancelled = true;
  });
  setHandler(billingPeriodsQuery, () => periods);
  const startedAt = Date.now();
  while (!cancelled && periods < 12) {
    await chargeCard(customer);
    periods++;
    await condition(() => cancelled, '30 days');
  }
  const days = Math.round((Date.now() - startedAt) / 86_400_000);
  return `${customer}: ${periods} periods over ${days} days${cancelled ? ', cancelled' : ''}`;
}

/** Sleeps for 30 days, then reports how long it slept by its own clock. */
export async function longNap(): Promise<number> {
  const before = Date.now();
  await sleep('30 days');
  return Date.now() - before;
}
