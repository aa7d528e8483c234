/**
 * `strata/client`: start workflows, signal, query, cancel, terminate, describe and list them, from any
 * Node.js program. The API follows Temporal's `@temporalio/client`, so porting is an import change.
 *
 * @example
 * import { Client, Connection, WorkflowFailedError } from 'strata/client';
 * import { greet } from './workflows.js';
 *
 * const connection = await Connection.connect({ address: '127.0.0.1:7233' });
 * const client = new Client({ connection });
 * try {
 *   const greeting = await client.workflow.execute(greet, { taskQueue: 'hello', workflowId: 'greet-1', args: ['Ada'] });
 * } catch (err) {
 *   if (err instanceof WorkflowFailedError) console.error('failed because', err.cause);
 * } finally {
 *   connection.close();
 * }
 *
 * @module
 */
export type { Duration } from '../common/duration.js';
export type { RetryState, TimeoutType } from '../common/failure.js';
export {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  ServerFailure,
  StrataFailure,
  StrataFailure as TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '../common/failure.js';
export type { RetryPolicy } from '../common/retry-policy.js';
export {
  defineSearchAttributeKey,
  type SearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributes,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
  type SearchAttributeValue,
  TypedSearchAttributes,
} from '../common/search-attributes.js';
export type { VersioningOverride } from '../common/versioning.js';
export { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../common/workflow-id-policies.js';
export { IndexedValueType } from '../gen/strata/v1/common_pb.js';
export {
  BatchClient,
  type BatchOperationAction,
  type BatchOperationDescription,
  type BatchOperationFailure,
  type BatchOperationStateName,
  type BatchOperationSummary,
  type BatchOperationTypeName,
  type StartBatchOperationOptions,
  type WaitForBatchOptions,
} from './batch-client.js';
export { Client } from './client.js';
export type { ClientOptions } from './client-options.js';
export {
  Connection,
  ConnectionError,
  type ConnectionOptions,
  type WorkflowServiceClient,
} from './connection.js';
export type {
  PendingActivity,
  PendingActivityStateName,
  PendingChildWorkflow,
  PendingWorkflowTask,
  WorkflowExecutionDescription,
  WorkflowExecutionInfo,
  WorkflowExecutionStatusName,
  WorkflowVersioningInfo,
} from './description.js';
export {
  QueryFailedError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowContinuedAsNewError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from './errors.js';
export type {
  QueryDefinition,
  SignalDefinition,
  UntypedWorkflow,
  UpdateDefinition,
  WithWorkflowArgs,
  Workflow,
  WorkflowOptions,
  WorkflowResultType,
  WorkflowSignalWithStartOptions,
  WorkflowStartOptions,
} from './types.js';
export {
  type WorkflowStartUpdateOptions,
  type WorkflowUpdateHandle,
  type WorkflowUpdateOptions,
  WorkflowUpdateStage,
} from './update-handle.js';
export type {
  PatchBuildOptions,
  PatchBuildResult,
  ReplayTargets,
  RoutingChangeOptions,
  WorkerDeploymentClient,
  WorkerDeploymentDescription,
  WorkerDeploymentRoutingConfig,
  WorkerDeploymentVersion,
  WorkerDeploymentVersionDescription,
  WorkerDeploymentVersionStatus,
  WorkerDeploymentVersionSummary,
  WorkflowReplayResult,
} from './worker-deployment-client.js';
export {
  type CountWorkflowExecution,
  type GetWorkflowHandleOptions,
  type ListOptions,
  WorkflowClient,
} from './workflow-client.js';
export type {
  WorkflowExecutionOptions,
  WorkflowExecutionOptionsUpdate,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowHandleWithSignaledRunId,
} from './workflow-handle.js';
export type {
  AsyncWorkflowListIterable,
  HistoryAndWorkflowId,
  IntoHistoriesOptions,
} from './workflow-list.js';
