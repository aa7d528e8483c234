/**
 * Release v1.2.0, with the bug: an order waits for `finish`, then its code throws. A plain `Error` fails
 * the workflow task, not the workflow, so every pinned order stays open, retrying, until it is moved to a
 * build with the fix.
 */
import { condition, defineSignal, setHandler } from 'strata/workflow';

export const finishSignal = defineSignal('finish');

export async function order(orderId: string): Promise<string> {
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  throw new Error(`v1.2.0 bug: order ${orderId} has an empty shipping label`);
}
