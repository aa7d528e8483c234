/** The errors of the deployment calls: each names what was not found or refused, and how to go on. */
import { formatVersion, type WorkerDeploymentVersion } from '../../common/versioning.js';
import { EngineError } from '../errors.js';

export function deploymentNotFound(namespace: string, name: string): EngineError {
  return new EngineError({
    code: 'DEPLOYMENT_NOT_FOUND',
    kind: 'not_found',
    message: `worker deployment "${name}" not found in namespace "${namespace}"; list the deployments with: strata worker deployment list --namespace ${namespace}`,
  });
}

export function versionNotFound(namespace: string, version: WorkerDeploymentVersion): EngineError {
  return new EngineError({
    code: 'DEPLOYMENT_VERSION_NOT_FOUND',
    kind: 'not_found',
    message: `worker deployment version "${formatVersion(version)}" not found in namespace "${namespace}"; list the versions of the deployment with: strata worker deployment describe --name ${version.deploymentName} --namespace ${namespace}`,
  });
}
