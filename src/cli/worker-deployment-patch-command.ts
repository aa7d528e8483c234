/**
 * `strata worker deployment patch --deployment-name D --from <buildId> --to <buildId> [--yes] [--dry-run]`:
 * the native patch build. The patch version's own workers replay every running workflow pinned to the
 * broken version (dispatched by the server like queries); if any would diverge the command refuses with a
 * report per workflow and moves nothing (exit 1); otherwise one batch override pins them all to the patch
 * version, with the batch's progress drawn. The patch version is never promoted: it stays DRAINING, and
 * keeps its workers, until those workflows close.
 */
import type { Command } from 'commander';
import type { BatchOperationDescription } from '../client/batch-client.js';
import type { Client } from '../client/client.js';
import type { PatchBuildResult, WorkflowReplayResult } from '../client/patch-build.js';
import { formatVersion } from '../common/versioning.js';
import { addGlobalOptions, type GlobalOptions, output, print, withClient } from './common-options.js';
import { askYesNo } from './confirm.js';
import { EXIT_FAILED, ReportedFailure, UsageError } from './errors.js';
import { formatTable } from './output.js';
import { ProgressBar } from './progress-bar.js';

interface PatchFlags extends GlobalOptions {
  deploymentName: string;
  from: string;
  to: string;
  yes?: boolean;
  dryRun?: boolean;
}

export function registerPatchCommand(deployment: Command): void {
  addGlobalOptions(
    deployment
      .command('patch')
      .description(
        "Move the running workflows pinned to a broken build to a patch build, after the patch build's workers replayed them all without divergence",
      )
      .requiredOption('--deployment-name <name>', 'worker deployment name, e.g. my-worker/prod')
      .requiredOption('--from <buildId>', 'the broken build: its running pinned workflows move')
      .requiredOption('--to <buildId>', "the patch build: its workers must poll the workflows' task queues")
      .option('-y, --yes', 'move the workflows without asking (needed without a terminal)')
      .option('--dry-run', 'replay and report only; move nothing'),
  ).action((flags: PatchFlags) => {
    if (flags.from === flags.to) {
      throw new UsageError(`--from and --to are both "${flags.from}"; the patch build must differ`);
    }
    if (!flags.yes && !flags.dryRun && !process.stdin.isTTY) {
      throw new UsageError('moving workflows needs confirmation: pass --yes (or --dry-run to only verify)');
    }
    return withClient(flags, (client) => patch(client, flags));
  });
}

async function patch(client: Client, flags: PatchFlags): Promise<void> {
  const from = formatVersion({ deploymentName: flags.deploymentName, buildId: flags.from });
  const to = formatVersion({ deploymentName: flags.deploymentName, buildId: flags.to });
  const table = flags.output === 'table';
  if (table) print(`Replaying the running workflows pinned to ${from} on the workers of ${to} ...`);
  const bar = new ProgressBar('workflows moved', undefined);
  let result: PatchBuildResult;
  try {
    result = await client.workerDeployments.patch({
      deploymentName: flags.deploymentName,
      from: flags.from,
      to: flags.to,
      confirm: async (verified) => {
        if (table) print(`Verified: ${verified.length} workflow(s) replay without divergence on ${to}.`);
        if (flags.dryRun) return false;
        if (flags.yes) return true;
        return askYesNo(`Move ${verified.length} workflow(s) from ${from} to ${to}?`);
      },
      onProgress: (batch: BatchOperationDescription) => {
        bar.setTotal(batch.totalOperationCount);
        const failed = batch.failureOperationCount;
        bar.update(batch.completeOperationCount + failed, failed > 0 ? `${failed} failed` : '');
      },
    });
  } finally {
    bar.finish();
  }
  report(flags, result, from, to);
}

function report(flags: PatchFlags, result: PatchBuildResult, from: string, to: string): void {
  const verified = result.replays.length - result.diverged.length;
  const moved = result.batch?.completeOperationCount ?? 0;
  const follow = `strata worker deployment describe-version --deployment-name ${flags.deploymentName} --build-id ${flags.to}`;
  const summary = {
    from,
    to,
    query: result.query,
    verified,
    diverged: result.diverged,
    moved,
    batchJobId: result.batch?.jobId,
    batchFailures: result.batch?.failures ?? [],
  };
  let text: string;
  if (result.diverged.length > 0) {
    text = [
      `Refused: ${result.diverged.length} of ${result.replays.length} workflow(s) pinned to ${from} would not replay on ${to}. Nothing was moved.`,
      formatTable(
        [
          { header: 'WorkflowId', value: (r: WorkflowReplayResult) => r.workflowId },
          { header: 'RunId', value: (r) => r.runId },
          { header: 'Type', value: (r) => r.workflowType },
          { header: 'FirstDivergingEvent', value: (r) => (r.eventId === undefined ? '' : String(r.eventId)) },
          { header: 'Error', value: (r) => `${r.errorType}: ${r.message}` },
        ],
        result.diverged,
      ),
    ].join('\n');
  } else if (result.replays.length === 0) {
    text = `No running workflow is pinned to ${from}: nothing to verify or move.`;
  } else if (!result.batch) {
    text = flags.dryRun
      ? `Dry run: ${verified} workflow(s) would move from ${from} to ${to}. Nothing was moved.`
      : 'Nothing was moved.';
  } else {
    const batch = result.batch;
    text = [
      `Verified ${verified} workflow(s); moved ${moved} of ${batch.totalOperationCount} to ${to} (batch ${batch.jobId} ${batch.state}, ${batch.failureOperationCount} failed).`,
      `${to} stays DRAINING, and keeps its workers, until they close; follow it with:`,
      `  ${follow}`,
    ].join('\n');
  }
  output(flags, summary, text);
  const incomplete = result.batch !== undefined && !result.moved;
  if (result.diverged.length > 0 || incomplete) throw new ReportedFailure(EXIT_FAILED);
}
