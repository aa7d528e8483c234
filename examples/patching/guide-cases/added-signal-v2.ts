/** A handler for a signal type that was never sent before needs no patch: it produces no command. */
import { defineSignal, setHandler, sleep } from 'strata/workflow';

// to v2
export const updateValueSignal = defineSignal<[number]>('updateValue');

export async function yourWorkflow(value: number): Promise<number> {
  setHandler(updateValueSignal, (newValue) => (value = newValue));
  await sleep('1 days');
  return value;
}
