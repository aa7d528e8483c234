/**
 * The one hook where the engine writes executions (V7, V8): every insert and update of an execution row
 * passes here, in its transaction, right before the write. It keeps
 * `versioning.countedPinnedVersion` equal to `open ? effectivePinnedVersion : ''` by moving the run
 * between the versions' exact open pinned counts (`adjustOpenPinned`, -1 old, +1 new), and re-indexes the
 * versioning search attributes when their values changed. Starts, workflow tasks, overrides, closes of
 * any kind and the next runs of chains all go through it, so no transition has to remember drainage.
 */
import { parseVersion } from '../../common/versioning.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type { StoreTransaction } from '../../store/store.js';
import type { Mutation } from '../state/mutation.js';
import {
  effectivePinnedVersion,
  versioningSearchValues,
  versioningSearchValuesDiffer,
} from '../state/versioning.js';
import { ensureDeployment } from './deployment-rows.js';

type PinnedCountWriter = Pick<
  StoreTransaction,
  'adjustOpenPinned' | 'deleteDeploymentVersion' | 'getDeployment' | 'putDeployment'
>;

/**
 * Brings the run's pinned count and versioning search attributes in line with its state. `indexedBefore`
 * is `versioningSearchValues` of the state as last written ({} for a new run).
 */
export async function syncVersioning(
  tx: PinnedCountWriter,
  m: Mutation,
  indexedBefore: Readonly<Record<string, string>>,
): Promise<void> {
  const { state } = m;
  const open = state.status === WorkflowExecutionStatus.RUNNING;
  const wanted = open ? effectivePinnedVersion(state.versioning) : '';
  const counted = state.versioning?.countedPinnedVersion ?? '';
  if (wanted !== counted) {
    if (counted !== '') await release(tx, state.namespace, counted, m.nowMs);
    if (wanted !== '') await pin(tx, state.namespace, wanted, m.nowMs);
    const versioning = { ...state.versioning };
    if (wanted === '') delete versioning.countedPinnedVersion;
    else versioning.countedPinnedVersion = wanted;
    state.versioning = versioning;
  }
  if (versioningSearchValuesDiffer(indexedBefore, versioningSearchValues(state.versioning))) {
    m.searchAttributesChanged = true;
  }
}

/** +1 on the version; a version met first through an override gets its deployment row too. */
async function pin(tx: PinnedCountWriter, namespace: string, text: string, nowMs: number): Promise<void> {
  const version = parseVersion(text);
  await tx.adjustOpenPinned(namespace, version.deploymentName, version.buildId, 1, nowMs);
  await ensureDeployment(tx, namespace, version.deploymentName, nowMs);
}

/**
 * -1 on the version. A version deleted with `--force` while workflows were pinned to it (V9) has no row:
 * the count would re-create it below zero, so that row goes again.
 */
async function release(tx: PinnedCountWriter, namespace: string, text: string, nowMs: number): Promise<void> {
  const version = parseVersion(text);
  const count = await tx.adjustOpenPinned(namespace, version.deploymentName, version.buildId, -1, nowMs);
  if (count < 0) await tx.deleteDeploymentVersion(namespace, version.deploymentName, version.buildId);
}
