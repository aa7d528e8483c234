import { condition, defineSignal, proxyActivities, setHandler } from 'strata/workflow';
import type * as activities from './activities.js';

const { echo } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });

export const finish = defineSignal('finish');

/** The throughput and latency workload: one activity, then complete. */
export async function oneActivity(input: string): Promise<string> {
  return await echo(input);
}

/** A long history for the replay benchmark: `steps` activities in a row. */
export async function manySteps(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) await echo(String(i));
  return steps;
}

/** Parks in the worker's cache until signalled: the memory benchmark. */
export async function parked(): Promise<void> {
  let done = false;
  setHandler(finish, () => {
    done = true;
  });
  await condition(() => done);
}
