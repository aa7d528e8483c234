/** A versioning override given to the client (start option, `handle.updateOptions`), checked before sending. */
import { type VersioningOverride, versionProblem } from '../common/versioning.js';
import { overrideToProto } from '../common/versioning-proto.js';
import type { VersioningOverride as ProtoOverride } from '../gen/strata/v1/deployment_pb.js';

/** Throws a `TypeError` starting `[INVALID_ARGUMENT]` that names `field` when the override is malformed. */
export function versioningOverrideToProto(override: VersioningOverride, field: string): ProtoOverride {
  if (override === 'AUTO_UPGRADE') return overrideToProto(override);
  const pinnedTo = (override as { pinnedTo?: unknown } | null)?.pinnedTo as
    | { deploymentName?: unknown; buildId?: unknown }
    | undefined;
  if (typeof pinnedTo?.deploymentName !== 'string' || typeof pinnedTo.buildId !== 'string') {
    throw new TypeError(
      `[INVALID_ARGUMENT] ${field} must be 'AUTO_UPGRADE' or { pinnedTo: { deploymentName, buildId } }`,
    );
  }
  const version = { deploymentName: pinnedTo.deploymentName, buildId: pinnedTo.buildId };
  const problem = versionProblem(version);
  if (problem) throw new TypeError(`[INVALID_ARGUMENT] ${field}.pinnedTo: ${problem}`);
  return overrideToProto({ pinnedTo: version });
}
