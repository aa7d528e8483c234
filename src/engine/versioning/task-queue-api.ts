/** DescribeTaskQueue (the pollers of a queue, with their versions) and ShutdownWorker. */
import { create } from '@bufbuild/protobuf';
import { versionToProto } from '../../common/versioning-proto.js';
import {
  type DescribeTaskQueueRequest,
  type DescribeTaskQueueResponse,
  DescribeTaskQueueResponseSchema,
  PollerInfoSchema,
  type ShutdownWorkerRequest,
  TaskQueueType,
} from '../../gen/strata/v1/deployment_pb.js';
import type { TaskKind } from '../../store/store.js';
import type { EngineCore } from '../engine-core.js';
import { requireField } from '../validation.js';
import { forgetWorker, pollerLivenessMs } from './pollers.js';

const kindOfType: Partial<Record<TaskQueueType, TaskKind>> = {
  [TaskQueueType.WORKFLOW]: 'workflow',
  [TaskQueueType.ACTIVITY]: 'activity',
};

export async function describeTaskQueue(
  core: EngineCore,
  request: DescribeTaskQueueRequest,
): Promise<DescribeTaskQueueResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const taskQueue = requireField(request.taskQueue, 'task_queue');
  const kind = kindOfType[request.taskQueueType];
  const pollers = await core.store.transaction((tx) =>
    tx.listPollers(namespace, { sinceMs: core.clock.nowMs() - pollerLivenessMs, taskQueue }),
  );
  return create(DescribeTaskQueueResponseSchema, {
    pollers: pollers
      .filter((poller) => kind === undefined || poller.kind === kind)
      .map((poller) =>
        create(PollerInfoSchema, {
          identity: poller.identity,
          lastAccessTimeMs: poller.lastAccessMs,
          deploymentVersion:
            poller.deploymentName === ''
              ? undefined
              : versionToProto({ deploymentName: poller.deploymentName, buildId: poller.buildId }),
          taskQueueType: poller.kind === 'workflow' ? TaskQueueType.WORKFLOW : TaskQueueType.ACTIVITY,
        }),
      ),
  });
}

export async function shutdownWorker(core: EngineCore, request: ShutdownWorkerRequest): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const identity = requireField(request.identity, 'identity');
  await forgetWorker(core, namespace, identity);
}
