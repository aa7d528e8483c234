import type { ServiceImpl } from '@connectrpc/connect';
import type { Engine } from '../engine/engine.js';
import { EngineError } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import type { WorkflowService } from '../gen/strata/v1/service_pb.js';
import { toConnectError } from './errors.js';

type WorkflowServiceImpl = ServiceImpl<typeof WorkflowService>;

/** What a call needs from its transport: a signal that aborts when the caller goes away. */
export interface CallContext {
  signal?: AbortSignal;
}

/** The service's methods, callable from the Connect router and from the binary fast path alike. */
export type WorkflowServiceCalls = {
  [M in keyof WorkflowServiceImpl]: (
    request: Parameters<WorkflowServiceImpl[M]>[0],
    context: CallContext,
  ) => ReturnType<WorkflowServiceImpl[M]>;
};

/** The WorkflowService on top of an Engine: every RPC delegates, errors become Connect codes. */
export function createWorkflowService(engine: Engine, logger: Logger): WorkflowServiceCalls {
  const mapErrors = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      // Expected outcomes (not found, invalid argument, ...) are the caller's business; anything
      // else is a server bug and must be visible in the server's log.
      if (error instanceof EngineError) logger.debug('request failed', { error: error.message });
      else
        logger.error('request failed unexpectedly', {
          error: error instanceof Error ? error.stack : String(error),
        });
      throw toConnectError(error);
    }
  };
  return {
    getSystemInfo: () => engine.getSystemInfo(),
    startWorkflowExecution: (request) => mapErrors(() => engine.startWorkflowExecution(request)),
    signalWithStartWorkflowExecution: (request) =>
      mapErrors(() => engine.signalWithStartWorkflowExecution(request)),
    signalWorkflowExecution: (request) => mapErrors(() => engine.signalWorkflowExecution(request)),
    queryWorkflow: (request, context) =>
      mapErrors(() => engine.queryWorkflow(request, { signal: context.signal })),
    requestCancelWorkflowExecution: (request) =>
      mapErrors(() => engine.requestCancelWorkflowExecution(request)),
    terminateWorkflowExecution: (request) => mapErrors(() => engine.terminateWorkflowExecution(request)),
    describeWorkflowExecution: (request) => mapErrors(() => engine.describeWorkflowExecution(request)),
    getWorkflowExecutionHistory: (request, context) =>
      mapErrors(() => engine.getWorkflowExecutionHistory(request, { signal: context.signal })),
    listWorkflowExecutions: (request) => mapErrors(() => engine.listWorkflowExecutions(request)),
    countWorkflowExecutions: (request) => mapErrors(() => engine.countWorkflowExecutions(request)),
    addSearchAttributes: (request) => mapErrors(() => engine.addSearchAttributes(request)),
    removeSearchAttributes: (request) => mapErrors(() => engine.removeSearchAttributes(request)),
    listSearchAttributes: (request) => mapErrors(() => engine.listSearchAttributes(request)),
    startBatchOperation: (request) => mapErrors(() => engine.startBatchOperation(request)),
    stopBatchOperation: (request) => mapErrors(() => engine.stopBatchOperation(request)),
    describeBatchOperation: (request) => mapErrors(() => engine.describeBatchOperation(request)),
    listBatchOperations: (request) => mapErrors(() => engine.listBatchOperations(request)),
    updateWorkflowExecution: (request, context) =>
      mapErrors(() => engine.updateWorkflowExecution(request, { signal: context.signal })),
    pollWorkflowExecutionUpdate: (request, context) =>
      mapErrors(() => engine.pollWorkflowExecutionUpdate(request, { signal: context.signal })),
    pollWorkflowTaskQueue: (request, context) =>
      mapErrors(() => engine.pollWorkflowTaskQueue(request, { signal: context.signal })),
    respondWorkflowTaskCompleted: (request) => mapErrors(() => engine.respondWorkflowTaskCompleted(request)),
    respondWorkflowTaskFailed: (request) => mapErrors(() => engine.respondWorkflowTaskFailed(request)),
    respondQueryTaskCompleted: (request) => mapErrors(() => engine.respondQueryTaskCompleted(request)),
    pollActivityTaskQueue: (request, context) =>
      mapErrors(() => engine.pollActivityTaskQueue(request, { signal: context.signal })),
    recordActivityTaskHeartbeat: (request) => mapErrors(() => engine.recordActivityTaskHeartbeat(request)),
    respondActivityTaskCompleted: (request) => mapErrors(() => engine.respondActivityTaskCompleted(request)),
    respondActivityTaskFailed: (request) => mapErrors(() => engine.respondActivityTaskFailed(request)),
    respondActivityTaskCanceled: (request) => mapErrors(() => engine.respondActivityTaskCanceled(request)),
    listWorkerDeployments: (request) => mapErrors(() => engine.listWorkerDeployments(request)),
    describeWorkerDeployment: (request) => mapErrors(() => engine.describeWorkerDeployment(request)),
    describeWorkerDeploymentVersion: (request) =>
      mapErrors(() => engine.describeWorkerDeploymentVersion(request)),
    deleteWorkerDeploymentVersion: (request) =>
      mapErrors(() => engine.deleteWorkerDeploymentVersion(request)),
    deleteWorkerDeployment: (request) => mapErrors(() => engine.deleteWorkerDeployment(request)),
    updateWorkflowExecutionOptions: (request) =>
      mapErrors(() => engine.updateWorkflowExecutionOptions(request)),
    setWorkerDeploymentCurrentVersion: (request) =>
      mapErrors(() => engine.setWorkerDeploymentCurrentVersion(request)),
    setWorkerDeploymentRampingVersion: (request) =>
      mapErrors(() => engine.setWorkerDeploymentRampingVersion(request)),
    describeTaskQueue: (request) => mapErrors(() => engine.describeTaskQueue(request)),
    shutdownWorker: (request) => mapErrors(() => engine.shutdownWorker(request)),
    replayWorkflowsOnVersion: (request, context) =>
      mapErrors(() => engine.replayWorkflowsOnVersion(request, { signal: context.signal })),
  };
}
