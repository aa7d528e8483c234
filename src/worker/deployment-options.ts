/**
 * A worker's deployment version (V1): `workerDeploymentOptions` of Worker.create, or the environment a
 * process manager sets (`STRATA_DEPLOYMENT_NAME`, `STRATA_WORKER_BUILD_ID`,
 * `STRATA_DEFAULT_VERSIONING_BEHAVIOR`), checked, and what the worker sends with its polls and completions.
 */
import { create } from '@bufbuild/protobuf';
import {
  formatVersion,
  type VersioningBehavior,
  versionProblem,
  type WorkerDeploymentVersion,
} from '../common/versioning.js';
import { behaviorToProto } from '../common/versioning-proto.js';
import {
  VersioningBehavior as ProtoBehavior,
  type WorkerDeploymentOptions as ProtoDeploymentOptions,
  WorkerDeploymentOptionsSchema,
} from '../gen/strata/v1/deployment_pb.js';

/** Temporal's `workerDeploymentOptions`. */
export interface WorkerDeploymentOptions {
  /** The version this worker runs: its deployment and build id. */
  version: WorkerDeploymentVersion;
  /**
   * Whether the server routes tasks by version to this worker (true), or it is an unversioned worker that
   * only reports its version (false).
   */
  useWorkerVersioning: boolean;
  /**
   * The behavior of workflows that do not declare one with `setWorkflowOptions`. Required with
   * `useWorkerVersioning` unless every workflow declares its own.
   */
  defaultVersioningBehavior?: VersioningBehavior;
}

/** What the worker uses: the options checked, and their wire form. */
export interface CompiledDeployment {
  version: WorkerDeploymentVersion;
  useWorkerVersioning: boolean;
  defaultVersioningBehavior: VersioningBehavior | undefined;
  /** `deployment_options` of polls and completions. */
  proto: ProtoDeploymentOptions;
}

const behaviors: readonly VersioningBehavior[] = ['PINNED', 'AUTO_UPGRADE'];

/**
 * The deployment options given, else those of the environment (`STRATA_DEPLOYMENT_NAME` and
 * `STRATA_WORKER_BUILD_ID` both set turn versioning on), else undefined. `fail` throws the caller's error.
 */
export function compileDeploymentOptions(
  options: WorkerDeploymentOptions | undefined,
  env: NodeJS.ProcessEnv,
  fail: (message: string) => never,
): CompiledDeployment | undefined {
  const given = options ?? fromEnvironment(env, fail);
  if (given === undefined) return undefined;
  if (typeof given !== 'object' || given === null || typeof given.version !== 'object') {
    fail(
      "workerDeploymentOptions must be { version: { deploymentName, buildId }, useWorkerVersioning, defaultVersioningBehavior: 'PINNED' | 'AUTO_UPGRADE' }",
    );
  }
  const version = { deploymentName: given.version.deploymentName, buildId: given.version.buildId };
  if (typeof version.deploymentName !== 'string' || typeof version.buildId !== 'string') {
    fail('workerDeploymentOptions.version needs deploymentName and buildId strings');
  }
  const problem = versionProblem(version);
  if (problem) fail(`workerDeploymentOptions.version: ${problem}`);
  if (typeof given.useWorkerVersioning !== 'boolean') {
    fail('workerDeploymentOptions.useWorkerVersioning must be true or false');
  }
  const behavior = given.defaultVersioningBehavior;
  if (behavior !== undefined && !behaviors.includes(behavior)) {
    fail(
      `workerDeploymentOptions.defaultVersioningBehavior must be 'PINNED' or 'AUTO_UPGRADE', got ${JSON.stringify(behavior)}`,
    );
  }
  return {
    version,
    useWorkerVersioning: given.useWorkerVersioning,
    defaultVersioningBehavior: behavior,
    proto: create(WorkerDeploymentOptionsSchema, {
      version,
      useWorkerVersioning: given.useWorkerVersioning,
      defaultVersioningBehavior: behaviorToProto(behavior),
    }),
  };
}

function fromEnvironment(
  env: NodeJS.ProcessEnv,
  fail: (message: string) => never,
): WorkerDeploymentOptions | undefined {
  const deploymentName = env.STRATA_DEPLOYMENT_NAME;
  const buildId = env.STRATA_WORKER_BUILD_ID;
  if (!deploymentName && !buildId) return undefined;
  if (!deploymentName || !buildId) {
    fail(
      `STRATA_DEPLOYMENT_NAME and STRATA_WORKER_BUILD_ID go together: set both to run a versioned worker, or neither (got ${deploymentName ? 'only STRATA_DEPLOYMENT_NAME' : 'only STRATA_WORKER_BUILD_ID'})`,
    );
  }
  const behavior = env.STRATA_DEFAULT_VERSIONING_BEHAVIOR;
  if (behavior !== undefined && !behaviors.includes(behavior as VersioningBehavior)) {
    fail(
      `STRATA_DEFAULT_VERSIONING_BEHAVIOR must be PINNED or AUTO_UPGRADE, got ${JSON.stringify(behavior)}`,
    );
  }
  return {
    version: { deploymentName, buildId },
    useWorkerVersioning: true,
    defaultVersioningBehavior: behavior as VersioningBehavior | undefined,
  };
}

/**
 * With versioning on, every workflow type needs a behavior: its own or the default. Returns the message
 * naming the types that have none, or undefined.
 */
export function missingBehaviorProblem(
  deployment: CompiledDeployment | undefined,
  workflowTypes: readonly string[],
  declared: Readonly<Record<string, VersioningBehavior>>,
): string | undefined {
  if (!deployment?.useWorkerVersioning || deployment.defaultVersioningBehavior) return undefined;
  const missing = workflowTypes.filter((type) => declared[type] === undefined);
  if (missing.length === 0) return undefined;
  return (
    `worker versioning is on (${formatVersion(deployment.version)}) but workflow(s) ${missing.join(', ')} declare no versioning behavior: ` +
    "set workerDeploymentOptions.defaultVersioningBehavior ('PINNED' or 'AUTO_UPGRADE'), or call setWorkflowOptions({ versioningBehavior }, fn) for each"
  );
}

/** The `versioning_behavior` a completion reports for a workflow type. */
export function completionBehavior(
  deployment: CompiledDeployment | undefined,
  declared: Readonly<Record<string, VersioningBehavior>>,
  workflowType: string,
): ProtoBehavior {
  if (!deployment?.useWorkerVersioning) return ProtoBehavior.UNSPECIFIED;
  return behaviorToProto(declared[workflowType] ?? deployment.defaultVersioningBehavior);
}
