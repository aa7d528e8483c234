/**
 * `strata task-queue describe --task-queue Q [--task-queue-type workflow|activity]`: the workers polling a
 * task queue, with the version each runs (Temporal's `temporal task-queue describe`).
 */
import type { Command } from 'commander';
import { toClientError } from '../client/errors.js';
import { formatVersion } from '../common/versioning.js';
import { versionFromProto } from '../common/versioning-proto.js';
import { TaskQueueType } from '../gen/strata/v1/deployment_pb.js';
import { addGlobalOptions, type GlobalOptions, output, withClient } from './common-options.js';
import { UsageError } from './errors.js';
import { formatTable } from './output.js';

interface DescribeFlags extends GlobalOptions {
  taskQueue: string;
  taskQueueType?: string;
}

const types: Record<string, TaskQueueType> = {
  workflow: TaskQueueType.WORKFLOW,
  activity: TaskQueueType.ACTIVITY,
};

function taskQueueType(text: string | undefined): TaskQueueType {
  if (text === undefined) return TaskQueueType.UNSPECIFIED;
  const type = types[text.toLowerCase()];
  if (type === undefined) {
    throw new UsageError(`--task-queue-type "${text}" is not a type: use workflow or activity`);
  }
  return type;
}

export function registerTaskQueueCommands(program: Command): void {
  const taskQueue = program.command('task-queue').description('Inspect task queues');
  addGlobalOptions(
    taskQueue
      .command('describe')
      .description('List the workers polling a task queue (seen in the last 70 s), with their versions')
      .requiredOption('-t, --task-queue <name>', 'the task queue')
      .option('--task-queue-type <type>', 'workflow or activity (default: both)'),
  ).action((flags: DescribeFlags) => {
    const type = taskQueueType(flags.taskQueueType);
    return withClient(flags, async (client) => {
      const response = await client.connection.workflowService
        .describeTaskQueue({ namespace: flags.namespace, taskQueue: flags.taskQueue, taskQueueType: type })
        .catch((err: unknown) => {
          throw toClientError(err);
        });
      const pollers = response.pollers.map((poller) => {
        const version = versionFromProto(poller.deploymentVersion);
        return {
          identity: poller.identity,
          taskQueueType: poller.taskQueueType === TaskQueueType.WORKFLOW ? 'workflow' : 'activity',
          version: version ? formatVersion(version) : 'unversioned',
          lastAccessTime: new Date(poller.lastAccessTimeMs).toISOString(),
        };
      });
      output(
        flags,
        { taskQueue: flags.taskQueue, pollers },
        pollers.length === 0
          ? `No workers polled task queue "${flags.taskQueue}" in the last 70 s.`
          : formatTable(
              [
                { header: 'Identity', value: (row) => row.identity },
                { header: 'Type', value: (row) => row.taskQueueType },
                { header: 'Version', value: (row) => row.version },
                { header: 'LastAccessTime', value: (row) => row.lastAccessTime },
              ],
              pollers,
            ),
      );
    });
  });
}
