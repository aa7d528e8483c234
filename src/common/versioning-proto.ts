/** Conversions between the versioning types of `versioning.ts` and their protobuf messages. */
import { create } from '@bufbuild/protobuf';
import {
  VersioningBehavior as ProtoBehavior,
  type VersioningOverride as ProtoOverride,
  type WorkerDeploymentVersion as ProtoVersion,
  VersioningOverrideSchema,
  WorkerDeploymentVersionSchema,
} from '../gen/strata/v1/deployment_pb.js';
import type { WorkflowExecutionOptionsUpdatedEventAttributes } from '../gen/strata/v1/history_pb.js';
import {
  formatVersion,
  type VersioningBehavior,
  type VersioningOverride,
  type WorkerDeploymentVersion,
} from './versioning.js';

export function versionToProto(version: WorkerDeploymentVersion): ProtoVersion {
  return create(WorkerDeploymentVersionSchema, version);
}

/** Undefined for an unset message or one with an empty deployment name. */
export function versionFromProto(version: ProtoVersion | undefined): WorkerDeploymentVersion | undefined {
  if (!version || version.deploymentName === '') return undefined;
  return { deploymentName: version.deploymentName, buildId: version.buildId };
}

export function behaviorToProto(behavior: VersioningBehavior | undefined): ProtoBehavior {
  if (behavior === 'PINNED') return ProtoBehavior.PINNED;
  if (behavior === 'AUTO_UPGRADE') return ProtoBehavior.AUTO_UPGRADE;
  return ProtoBehavior.UNSPECIFIED;
}

export function behaviorFromProto(behavior: ProtoBehavior): VersioningBehavior | undefined {
  if (behavior === ProtoBehavior.PINNED) return 'PINNED';
  if (behavior === ProtoBehavior.AUTO_UPGRADE) return 'AUTO_UPGRADE';
  return undefined;
}

export function overrideToProto(override: VersioningOverride): ProtoOverride {
  if (override === 'AUTO_UPGRADE')
    return create(VersioningOverrideSchema, { behavior: ProtoBehavior.AUTO_UPGRADE });
  return create(VersioningOverrideSchema, {
    behavior: ProtoBehavior.PINNED,
    pinnedVersion: versionToProto(override.pinnedTo),
  });
}

/** Undefined for an unset override; throws `[INVALID_ARGUMENT]` for one that is not well formed. */
export function overrideFromProto(override: ProtoOverride | undefined): VersioningOverride | undefined {
  if (!override) return undefined;
  const pinnedTo = versionFromProto(override.pinnedVersion);
  if (override.behavior === ProtoBehavior.AUTO_UPGRADE) {
    if (pinnedTo) {
      throw new TypeError(
        '[INVALID_ARGUMENT] an AUTO_UPGRADE versioning override takes no version; drop the version',
      );
    }
    return 'AUTO_UPGRADE';
  }
  if (override.behavior === ProtoBehavior.PINNED) {
    if (!pinnedTo || pinnedTo.buildId === '') {
      throw new TypeError(
        '[INVALID_ARGUMENT] a PINNED versioning override needs the version to pin to: give its deployment name and build id',
      );
    }
    return { pinnedTo };
  }
  throw new TypeError('[INVALID_ARGUMENT] a versioning override needs a behavior: PINNED or AUTO_UPGRADE');
}

export function describeOverride(override: VersioningOverride): string {
  return override === 'AUTO_UPGRADE' ? 'auto-upgrade' : `pinned to ${formatVersion(override.pinnedTo)}`;
}

/** One line for `strata workflow show`. */
export function describeOverrideChange(attributes: WorkflowExecutionOptionsUpdatedEventAttributes): string {
  const by = attributes.identity === '' ? '' : ` by ${attributes.identity}`;
  if (attributes.unsetVersioningOverride) return `versioning override removed${by}`;
  const override = overrideFromProto(attributes.versioningOverride);
  return override ? `versioning override: ${describeOverride(override)}${by}` : `options updated${by}`;
}
