/** Reads of deployment rows that fail with the NOT_FOUND errors users see. */
import type { DeploymentRecord, StoreTransaction } from '../../store/store.js';
import { deploymentNotFound } from './deployment-errors.js';

export async function readDeployment(
  tx: Pick<StoreTransaction, 'getDeployment'>,
  namespace: string,
  name: string,
): Promise<DeploymentRecord> {
  const deployment = await tx.getDeployment(namespace, name);
  if (!deployment) throw deploymentNotFound(namespace, name);
  return deployment;
}
