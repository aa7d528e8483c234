/**
 * Worker deployment versions (rules V1-V9): the names both sides share. A version is a deployment name
 * and a build id, written `deployment:buildId` (e.g. `my-worker/prod:v1.2.0-dsf7`).
 */

export type VersioningBehavior = 'PINNED' | 'AUTO_UPGRADE';

export interface WorkerDeploymentVersion {
  deploymentName: string;
  buildId: string;
}

/** Pins a workflow to a version, or makes it auto-upgrade, whatever its code declares (V5). */
export type VersioningOverride = { pinnedTo: WorkerDeploymentVersion } | 'AUTO_UPGRADE';

export function formatVersion(version: WorkerDeploymentVersion): string {
  return `${version.deploymentName}:${version.buildId}`;
}

/** Parses `deployment:buildId`; the deployment name cannot hold a colon, the build id may. */
export function parseVersion(text: string): WorkerDeploymentVersion {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new TypeError(
      `[INVALID_ARGUMENT] "${text}" is not a worker deployment version: write it deploymentName:buildId, e.g. my-worker/prod:v1.2.0-dsf7`,
    );
  }
  return { deploymentName: text.slice(0, colon), buildId: text.slice(colon + 1) };
}

/** The reason a deployment name or build id is refused, or undefined when it is fine. */
export function versionProblem(version: WorkerDeploymentVersion): string | undefined {
  if (version.deploymentName === '') return 'the deployment name is empty';
  if (version.deploymentName.includes(':')) {
    return `the deployment name "${version.deploymentName}" contains ":", which separates it from the build id`;
  }
  if (version.buildId === '') return 'the build id is empty';
  if (version.deploymentName.length > 255 || version.buildId.length > 255) {
    return 'deployment names and build ids are limited to 255 characters';
  }
  return undefined;
}

/**
 * The bucket (0-99) of a workflow id for ramping (V3): a workflow goes to the ramping version when its
 * bucket is below the ramp percentage. FNV-1a over the UTF-16 code units, so every process agrees.
 */
export function rampBucket(workflowId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) {
    hash ^= workflowId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 100;
}
