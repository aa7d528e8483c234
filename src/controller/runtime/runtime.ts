/**
 * Where worker processes run. The controller asks a runtime to run N replicas of a build and reads back
 * what runs; the local runtime starts processes on this machine, a Kubernetes runtime would keep one
 * Deployment per build id. The planner only sees {@link RuntimeVersion}s.
 */
import type { WorkerTemplate } from '../manifest.js';
import type { RuntimeVersion } from '../observed.js';

/** A template with its `cwd` made absolute (the manifest's folder + `template.cwd`). */
export interface ResolvedTemplate extends WorkerTemplate {
  /** Absolute. */
  cwd: string;
}

export interface WorkerRuntime {
  /** The builds of a deployment the runtime runs or has recorded (also those scaled to zero). */
  list(deploymentName: string): Promise<RuntimeVersion[]>;
  /**
   * Runs `replicas` processes of the build. `template` is required the first time; without it the
   * recorded one is used (scaling an old build back up).
   */
  scale(
    deploymentName: string,
    buildId: string,
    replicas: number,
    template?: ResolvedTemplate,
  ): Promise<void>;
  /** Stops the build's processes and forgets it. */
  delete(deploymentName: string, buildId: string): Promise<void>;
  /** Stops supervising; the workers keep running unless `stopWorkers`. */
  close(options?: { stopWorkers?: boolean }): Promise<void>;
}

/** The variables every worker process gets, naming the server and its version (issue 5's worker options). */
export interface WorkerIdentity {
  address: string;
  namespace: string;
  deploymentName: string;
  buildId: string;
}

export function injectedEnv(identity: WorkerIdentity): Record<string, string> {
  return {
    STRATA_ADDRESS: identity.address,
    STRATA_NAMESPACE: identity.namespace,
    STRATA_DEPLOYMENT_NAME: identity.deploymentName,
    STRATA_WORKER_BUILD_ID: identity.buildId,
  };
}
