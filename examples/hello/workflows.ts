import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from 'strata/workflow';
import type * as activities from './activities.js';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

/** Approves the greeting; carries who approved it. */
export const approve = defineSignal<[string]>('approve');
/** What the workflow is doing now. */
export const status = defineQuery<string>('status');

/** Waits for approval, sleeps a moment on a durable timer, then greets through an activity. */
export async function hello(name: string): Promise<string> {
  let current = 'waiting for approval';
  let approvedBy: string | undefined;
  setHandler(status, () => current);
  setHandler(approve, (by) => {
    approvedBy = by;
  });

  await condition(() => approvedBy !== undefined);
  current = 'sleeping';
  await sleep('2 seconds');
  current = 'greeting';
  const greeting = await greet(name);
  return `${greeting} Approved by ${approvedBy}.`;
}
