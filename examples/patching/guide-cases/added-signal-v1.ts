/** "Do I need to patch?": the guide's v1 before a signal handler is added (see added-signal-v2.ts). */
import { sleep } from 'strata/workflow';

// from v1
export async function yourWorkflow(value: number): Promise<number> {
  await sleep('1 days');
  return value;
}
