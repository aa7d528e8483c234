/** Workflows of the versioning tests. */
import { condition, defineSignal, setHandler } from 'strata/workflow';

export const approve = defineSignal('approve');

/** Waits for `approve`, then completes. */
export async function waitForApproval(): Promise<string> {
  let approved = false;
  setHandler(approve, () => {
    approved = true;
  });
  await condition(() => approved);
  return 'approved';
}
