/**
 * `strata worker deployment list | describe | describe-version | set-current-version | set-ramping-version |
 * delete-version | delete` (and `patch`, in its own module): worker deployments and their versions, with the flags of
 * `temporal worker deployment ...`. Tables show each version's status, open pinned workflows, drainage
 * times, task queues and pollers; `-o json` prints the client's objects.
 */
import { createInterface } from 'node:readline/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Client } from '../client/client.js';
import type {
  WorkerDeploymentRoutingConfig,
  WorkerDeploymentVersionDescription,
  WorkerDeploymentVersionSummary,
} from '../client/worker-deployment-client.js';
import { formatVersion, type WorkerDeploymentVersion } from '../common/versioning.js';
import { addGlobalOptions, type GlobalOptions, output, withClient } from './common-options.js';
import { UsageError } from './errors.js';
import { formatKeyValues, formatTable, formatTime } from './output.js';
import { registerPatchCommand } from './worker-deployment-patch-command.js';

interface NameFlags extends GlobalOptions {
  name: string;
}

interface VersionFlags extends GlobalOptions {
  deploymentName: string;
  buildId: string;
}

interface SetCurrentFlags extends GlobalOptions {
  deploymentName: string;
  buildId?: string;
  unversioned?: boolean;
  force?: boolean;
  yes?: boolean;
}

interface SetRampingFlags extends SetCurrentFlags {
  percentage?: number;
  delete?: boolean;
}

interface DeleteVersionFlags extends VersionFlags {
  force?: boolean;
}

function parsePercentage(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError(`expected a percentage from 0 to 100, got "${value}"`);
  }
  return n;
}

function versionText(version: WorkerDeploymentVersion | undefined): string {
  return version ? formatVersion(version) : '';
}

function since(time: Date | undefined): string {
  return time ? ` (since ${formatTime(time)})` : '';
}

function routingLines(routing: WorkerDeploymentRoutingConfig): [string, string | undefined][] {
  return [
    [
      'CurrentVersion',
      `${routing.currentVersion ? formatVersion(routing.currentVersion) : '__unversioned__'}${since(routing.currentVersionChangedTime)}`,
    ],
    [
      'RampingVersion',
      routing.rampingVersion
        ? `${formatVersion(routing.rampingVersion)} at ${routing.rampingVersionPercentage}%${since(routing.rampingVersionPercentageChangedTime)}`
        : 'none',
    ],
  ];
}

function drainageText(summary: WorkerDeploymentVersionSummary): string {
  const drainage = summary.drainageInfo;
  return drainage ? `${drainage.status} since ${formatTime(drainage.lastChangedTime)}` : '';
}

function pollerCount(description: WorkerDeploymentVersionDescription): number {
  return new Set(description.taskQueues.flatMap((queue) => queue.pollers.map((poller) => poller.identity)))
    .size;
}

function queueNames(description: WorkerDeploymentVersionDescription): string {
  return [...new Set(description.taskQueues.map((queue) => queue.name))].join(', ');
}

/** `describe`: the routing, then one row per version with its status, counts and drainage. */
async function describeDeployment(client: Client, flags: NameFlags): Promise<void> {
  const description = await client.workerDeployments.describe(flags.name);
  const versions = await Promise.all(
    description.versionSummaries.map((summary) => client.workerDeployments.describeVersion(summary.version)),
  );
  const text = [
    formatKeyValues([
      ['Name', description.name],
      ['CreateTime', formatTime(description.createTime)],
      ...routingLines(description.routingConfig),
      ['ConflictToken', description.conflictToken],
    ]),
    '',
    versions.length === 0
      ? 'No versions: a version appears when its first worker polls.'
      : formatTable(
          [
            { header: 'BuildId', value: (v) => v.version.buildId },
            { header: 'Status', value: (v) => v.status },
            { header: 'OpenPinned', value: (v) => String(v.openPinnedWorkflows) },
            { header: 'Drainage', value: drainageText },
            { header: 'Pollers', value: (v) => String(pollerCount(v)) },
            { header: 'TaskQueues', value: queueNames },
            { header: 'CreateTime', value: (v) => formatTime(v.createTime) ?? '' },
          ],
          versions,
        ),
  ].join('\n');
  output(flags, { ...description, versions }, text);
}

function formatVersionDescription(description: WorkerDeploymentVersionDescription): string {
  const pollers = description.taskQueues.flatMap((queue) =>
    queue.pollers.map((poller) => ({ queue: queue.name, type: queue.type, ...poller })),
  );
  return [
    formatKeyValues([
      ['Version', formatVersion(description.version)],
      ['Status', description.status],
      ['OpenPinnedWorkflows', String(description.openPinnedWorkflows)],
      ['Drainage', drainageText(description) || undefined],
      ['CreateTime', formatTime(description.createTime)],
      ['CurrentSince', formatTime(description.currentSinceTime)],
      ['RampingSince', formatTime(description.rampingSinceTime)],
      ['FirstActivation', formatTime(description.firstActivationTime)],
      ['LastDeactivation', formatTime(description.lastDeactivationTime)],
    ]),
    '',
    description.taskQueues.length === 0
      ? 'Task queues: none yet (a queue is added when the version first polls it).'
      : formatTable(
          [
            { header: 'TaskQueue', value: (q) => q.name },
            { header: 'Type', value: (q) => q.type },
            { header: 'Pollers', value: (q) => String(q.pollers.length) },
          ],
          description.taskQueues,
        ),
    '',
    pollers.length === 0
      ? 'Pollers: none seen in the last 70 s.'
      : formatTable(
          [
            { header: 'TaskQueue', value: (p) => p.queue },
            { header: 'Type', value: (p) => p.type },
            { header: 'Identity', value: (p) => p.identity },
            { header: 'LastAccessTime', value: (p) => formatTime(p.lastAccessTime) ?? '' },
          ],
          pollers,
        ),
  ].join('\n');
}

async function confirmed(flags: SetCurrentFlags, question: string): Promise<boolean> {
  if (flags.yes) return true;
  if (!process.stdin.isTTY) throw new UsageError(`changing the routing needs confirmation: pass --yes`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

/** The build id of a routing change: `--build-id`, or none with `--unversioned` (and `--delete` for a ramp). */
function targetBuildId(flags: SetRampingFlags, command: string): string | undefined {
  const cleared = flags.unversioned || flags.delete;
  if (flags.buildId !== undefined && cleared) {
    throw new UsageError(
      `${command}: give either --build-id or ${flags.delete ? '--delete' : '--unversioned'}, not both`,
    );
  }
  if (flags.buildId === undefined && !cleared) {
    throw new UsageError(
      `${command}: give --build-id <id> (or ${command === 'set-ramping-version' ? '--delete to remove the ramp' : '--unversioned for unversioned workers'})`,
    );
  }
  return flags.buildId;
}

function targetText(deploymentName: string, buildId: string | undefined): string {
  return buildId === undefined ? 'unversioned workers' : formatVersion({ deploymentName, buildId });
}

function addVersionOptions(command: Command): Command {
  return command
    .requiredOption('--deployment-name <name>', 'worker deployment name, e.g. my-worker/prod')
    .requiredOption('--build-id <id>', 'build id of the version');
}

/** `--deployment-name`, `--build-id`, `--force`, `--yes` of the routing changes. */
function addRoutingOptions(command: Command): Command {
  return command
    .requiredOption('--deployment-name <name>', 'worker deployment name, e.g. my-worker/prod')
    .option('--build-id <id>', 'build id of the version')
    .addOption(
      new Option(
        '--force',
        'skip the check that the version polls every task queue the current version serves (V6)',
      ),
    )
    .addOption(new Option('--ignore-missing-task-queues', 'same as --force').hideHelp())
    .option('-y, --yes', 'do not ask for confirmation');
}

export function registerWorkerDeploymentCommands(program: Command): void {
  const worker = program.command('worker').description('Workers and their deployments');
  const deployment = worker
    .command('deployment')
    .description('Worker deployments: versions, routing (current / ramping), drainage');

  addGlobalOptions(deployment.command('list').description('List the worker deployments')).action(
    (flags: GlobalOptions) =>
      withClient(flags, async (client) => {
        const deployments = await client.workerDeployments.list();
        output(
          flags,
          deployments,
          deployments.length === 0
            ? `No worker deployments in namespace "${flags.namespace}": one appears when a versioned worker first polls.`
            : formatTable(
                [
                  { header: 'Name', value: (d) => d.name },
                  {
                    header: 'CurrentVersion',
                    value: (d) => versionText(d.routingConfig.currentVersion) || '__unversioned__',
                  },
                  {
                    header: 'RampingVersion',
                    value: (d) =>
                      d.routingConfig.rampingVersion
                        ? `${versionText(d.routingConfig.rampingVersion)} (${d.routingConfig.rampingVersionPercentage}%)`
                        : '',
                  },
                  { header: 'CreateTime', value: (d) => formatTime(d.createTime) ?? '' },
                ],
                deployments,
              ),
        );
      }),
  );

  addGlobalOptions(
    deployment
      .command('describe')
      .description("Show a deployment's routing and each version's status, pollers and drainage")
      .requiredOption('--name <name>', 'worker deployment name'),
  ).action((flags: NameFlags) => withClient(flags, (client) => describeDeployment(client, flags)));

  addGlobalOptions(
    addVersionOptions(
      deployment
        .command('describe-version')
        .description("Show a version's status, open pinned workflows, drainage, task queues and pollers"),
    ),
  ).action((flags: VersionFlags) =>
    withClient(flags, async (client) => {
      const description = await client.workerDeployments.describeVersion({
        deploymentName: flags.deploymentName,
        buildId: flags.buildId,
      });
      output(flags, description, formatVersionDescription(description));
    }),
  );

  addGlobalOptions(
    addRoutingOptions(
      deployment
        .command('set-current-version')
        .description('Make a version (or unversioned workers) get new workflows and auto-upgrade ones')
        .option('--unversioned', 'make unversioned workers current instead of a version'),
    ),
  ).action(async (flags: SetCurrentFlags & { ignoreMissingTaskQueues?: boolean }) => {
    const buildId = targetBuildId(flags, 'set-current-version');
    const target = targetText(flags.deploymentName, buildId);
    if (!(await confirmed(flags, `Make ${target} current in deployment "${flags.deploymentName}"?`))) {
      output(flags, { changed: false }, 'Nothing changed.');
      return;
    }
    await withClient(flags, async (client) => {
      const result = await client.workerDeployments.setCurrentVersion(flags.deploymentName, buildId, {
        ignoreMissingTaskQueues: flags.force || flags.ignoreMissingTaskQueues,
      });
      output(
        flags,
        { changed: true, ...result },
        `Current version of "${flags.deploymentName}" is now ${target} (was ${versionText(result.previousVersion) || 'unversioned workers'}).`,
      );
    });
  });

  addGlobalOptions(
    addRoutingOptions(
      deployment
        .command('set-ramping-version')
        .description('Send a percentage of new workflows (by workflow id) to a version, or remove the ramp')
        .option('--percentage <0-100>', 'share of new workflows for the ramping version', parsePercentage)
        .option('--delete', 'remove the ramping version'),
    ),
  ).action(async (flags: SetRampingFlags & { ignoreMissingTaskQueues?: boolean }) => {
    const buildId = targetBuildId(flags, 'set-ramping-version');
    if (flags.delete && flags.percentage !== undefined && flags.percentage !== 0) {
      throw new UsageError('set-ramping-version --delete takes no --percentage (it sets it to 0)');
    }
    if (!flags.delete && flags.percentage === undefined) {
      throw new UsageError('set-ramping-version: give --percentage <0-100> (or --delete to remove the ramp)');
    }
    const percentage = flags.delete ? 0 : (flags.percentage ?? 0);
    const target = targetText(flags.deploymentName, buildId);
    const question = flags.delete
      ? `Remove the ramping version of deployment "${flags.deploymentName}"?`
      : `Ramp ${target} at ${percentage}% in deployment "${flags.deploymentName}"?`;
    if (!(await confirmed(flags, question))) {
      output(flags, { changed: false }, 'Nothing changed.');
      return;
    }
    await withClient(flags, async (client) => {
      const result = await client.workerDeployments.setRampingVersion(
        flags.deploymentName,
        buildId,
        percentage,
        { ignoreMissingTaskQueues: flags.force || flags.ignoreMissingTaskQueues },
      );
      const previous = result.previousVersion
        ? `${formatVersion(result.previousVersion)} at ${result.previousPercentage}%`
        : 'none';
      output(
        flags,
        { changed: true, ...result },
        flags.delete
          ? `Ramp of "${flags.deploymentName}" removed (was ${previous}).`
          : `Ramping version of "${flags.deploymentName}" is now ${target} at ${percentage}% (was ${previous}).`,
      );
    });
  });

  addGlobalOptions(
    addVersionOptions(
      deployment
        .command('delete-version')
        .description('Delete a version that is not current or ramping, has no pollers and is drained (V9)')
        .option('--force', 'delete even with open pinned workflows or live pollers')
        .addOption(new Option('--skip-drainage', 'same as --force').hideHelp()),
    ),
  ).action((flags: DeleteVersionFlags & { skipDrainage?: boolean }) =>
    withClient(flags, async (client) => {
      const version = { deploymentName: flags.deploymentName, buildId: flags.buildId };
      await client.workerDeployments.deleteVersion(version, {
        skipDrainage: flags.force || flags.skipDrainage,
      });
      output(flags, { deleted: formatVersion(version) }, `Deleted version ${formatVersion(version)}.`);
    }),
  );

  registerPatchCommand(deployment);

  addGlobalOptions(
    deployment
      .command('delete')
      .description('Delete a worker deployment that has no versions left')
      .requiredOption('--name <name>', 'worker deployment name'),
  ).action((flags: NameFlags) =>
    withClient(flags, async (client) => {
      await client.workerDeployments.delete(flags.name);
      output(flags, { deleted: flags.name }, `Deleted worker deployment "${flags.name}".`);
    }),
  );
}
