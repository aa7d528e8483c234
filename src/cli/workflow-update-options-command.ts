/**
 * `strata workflow update-options`: sets or removes the versioning override (V5) of one workflow (`-w`)
 * or, with `--query`, of every running workflow a visibility query matches (a durable batch), with the
 * flags of `temporal workflow update-options`. The patch-build runbook's command runs as written:
 *
 *   strata workflow update-options --versioning-override-behavior pinned \
 *     --versioning-override-build-id v1.2.1-4543 --versioning-override-deployment-name my-worker/prod \
 *     --query 'TemporalWorkerDeploymentVersion = "my-worker/prod:v1.2.0-dsf7" and ...'
 */
import { type Command, Option } from 'commander';
import type { VersioningOverride } from '../common/versioning.js';
import { describeOverride } from '../common/versioning-proto.js';
import { addGlobalOptions, output, withClient } from './common-options.js';
import { UsageError } from './errors.js';
import { addSingleOrBatchOptions, runBatch, type SingleOrBatchFlags, targetOf } from './workflow-batch.js';

type OverrideBehaviorFlag = 'pinned' | 'auto_upgrade' | 'unspecified';

interface UpdateOptionsFlags extends SingleOrBatchFlags {
  versioningOverrideBehavior: OverrideBehaviorFlag;
  versioningOverrideDeploymentName?: string;
  versioningOverrideBuildId?: string;
  reason?: string;
}

/** The override the flags ask for (`null`: remove it); a version with the wrong behavior is a usage error. */
export function overrideOf(flags: UpdateOptionsFlags): VersioningOverride | null {
  const deploymentName = flags.versioningOverrideDeploymentName;
  const buildId = flags.versioningOverrideBuildId;
  const behavior = flags.versioningOverrideBehavior;
  switch (behavior) {
    case 'pinned': {
      const missing = [
        deploymentName === undefined || deploymentName === ''
          ? '--versioning-override-deployment-name'
          : undefined,
        buildId === undefined || buildId === '' ? '--versioning-override-build-id' : undefined,
      ].filter((flag) => flag !== undefined);
      if (missing.length > 0) {
        throw new UsageError(
          `--versioning-override-behavior pinned needs the version to pin to: give ${missing.join(' and ')}`,
        );
      }
      return { pinnedTo: { deploymentName: deploymentName ?? '', buildId: buildId ?? '' } };
    }
    case 'auto_upgrade':
    case 'unspecified': {
      const given = [
        deploymentName === undefined ? undefined : '--versioning-override-deployment-name',
        buildId === undefined ? undefined : '--versioning-override-build-id',
      ].filter((flag) => flag !== undefined);
      if (given.length > 0) {
        throw new UsageError(
          `${given.join(' and ')} go only with --versioning-override-behavior pinned, not ${behavior}`,
        );
      }
      return behavior === 'auto_upgrade' ? 'AUTO_UPGRADE' : null;
    }
    default: {
      const unknown: never = behavior;
      throw new UsageError(`unknown --versioning-override-behavior ${String(unknown)}`);
    }
  }
}

export function registerWorkflowUpdateOptionsCommand(workflow: Command): void {
  addGlobalOptions(
    addSingleOrBatchOptions(
      workflow
        .command('update-options')
        .description(
          "Set or remove a workflow's versioning override, or those of every workflow a query matches",
        ),
    )
      .addOption(
        new Option(
          '--versioning-override-behavior <behavior>',
          'pinned (to the version given below), auto_upgrade, or unspecified (remove the override)',
        )
          .choices(['pinned', 'auto_upgrade', 'unspecified'])
          .makeOptionMandatory(),
      )
      .option('--versioning-override-deployment-name <name>', 'with pinned: the deployment of the version')
      .option('--versioning-override-build-id <id>', 'with pinned: the build id of the version')
      .option('--reason <text>', 'with --query: why, recorded in the batch'),
  ).action((flags: UpdateOptionsFlags) => {
    const target = targetOf(flags);
    const versioningOverride = overrideOf(flags);
    return withClient(flags, async (client) => {
      if (target.kind === 'batch') {
        const wording = { verb: 'update the options of', done: 'updated' };
        return runBatch(client, flags, target.query, { type: 'updateOptions', versioningOverride }, wording);
      }
      const described = versioningOverride === null ? 'removed' : describeOverride(versioningOverride);
      output(
        flags,
        { workflowId: target.workflowId, versioningOverride },
        `Versioning override of ${target.workflowId}: ${described}`,
      );
    });
  });
}
