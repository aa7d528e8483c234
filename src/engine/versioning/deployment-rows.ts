/** Rows both registration paths write: a deployment met for the first time (a poll, or a pinned override). */
import type { StoreTransaction } from '../../store/store.js';

/** Creates the deployment's row, with no routing (unversioned workers current), if it has none. */
export async function ensureDeployment(
  tx: Pick<StoreTransaction, 'getDeployment' | 'putDeployment'>,
  namespace: string,
  name: string,
  nowMs: number,
): Promise<void> {
  if (await tx.getDeployment(namespace, name)) return;
  await tx.putDeployment({
    namespace,
    name,
    createTimeMs: nowMs,
    currentBuildId: '',
    rampingBuildId: '',
    rampingPercentage: 0,
    currentChangedMs: 0,
    rampingChangedMs: 0,
    rampingPercentageChangedMs: 0,
    revision: 0,
    lastModifierIdentity: '',
  });
}
