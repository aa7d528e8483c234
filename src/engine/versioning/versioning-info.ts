/** A run's versioning as describe and list show it (`WorkflowExecutionInfo.versioning_info`). */
import { create } from '@bufbuild/protobuf';
import { parseVersion } from '../../common/versioning.js';
import { behaviorToProto, overrideToProto, versionToProto } from '../../common/versioning-proto.js';
import {
  type WorkflowVersioningInfo,
  WorkflowVersioningInfoSchema,
} from '../../gen/strata/v1/deployment_pb.js';
import type { VersioningState } from '../state/types.js';
import { effectiveBehavior, effectivePinnedVersion } from '../state/versioning.js';

/** Undefined for a run that never met a versioned worker or an override. */
export function versioningInfoOf(
  versioning: VersioningState | undefined,
): WorkflowVersioningInfo | undefined {
  if (!versioning || (!versioning.behavior && !versioning.version && !versioning.override)) return undefined;
  const pinned = effectivePinnedVersion(versioning);
  return create(WorkflowVersioningInfoSchema, {
    behavior: behaviorToProto(versioning.behavior),
    version: versioning.version ? versionToProto(parseVersion(versioning.version)) : undefined,
    versioningOverride: versioning.override && overrideToProto(versioning.override),
    effectiveBehavior: behaviorToProto(effectiveBehavior(versioning)),
    pinnedVersion: pinned === '' ? undefined : versionToProto(parseVersion(pinned)),
  });
}
