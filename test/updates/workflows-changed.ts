/** workflows.ts with one change that running workflows cannot take: the reserve handler's steps swapped. */
import { allHandlersFinished, condition, proxyActivities, setHandler, sleep } from 'strata/workflow';
import type * as activities from './activities.js';
import { close, reserve } from './workflows.js';

export { cart, catchAll, durableReservation, hastyReservations, introspective } from './workflows.js';

const { reserveStock } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function reservations(): Promise<string[]> {
  const reserved: string[] = [];
  let closing = false;
  setHandler(reserve, async (sku) => {
    const id = await reserveStock(sku);
    await sleep('1 hour');
    reserved.push(id);
    return id;
  });
  setHandler(close, () => {
    closing = true;
  });
  await condition(() => closing);
  await condition(allHandlersFinished);
  return reserved;
}
