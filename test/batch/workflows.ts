import { condition, defineSignal, setHandler } from 'strata/workflow';

/** Adds to the workflow's total; a batch signals it to each workflow. */
export const bump = defineSignal<[number]>('bump');
export const finish = defineSignal('finish');

/** Waits for `finish` (or cancellation), then returns the bumps it received, in order. */
export async function waiter(): Promise<number[]> {
  const bumps: number[] = [];
  let done = false;
  setHandler(bump, (n) => {
    bumps.push(n);
  });
  setHandler(finish, () => {
    done = true;
  });
  await condition(() => done);
  return bumps;
}
