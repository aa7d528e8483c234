/**
 * `--query` on `strata workflow terminate | cancel | signal | update-options`: instead of one workflow
 * (`-w`), a durable batch operation over every running workflow the query matches, as Temporal's CLI
 * does. The CLI starts the batch, draws its progress while the server runs it, and ends with how many
 * workflows it changed and which it could not.
 *
 * Confirmation: on a terminal the CLI asks first (with the number of matching workflows), unless
 * `--yes`; without a terminal on stdin (scripts, CI) it never asks, so a runbook's command runs as written.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { BatchOperationAction, BatchOperationDescription } from '../client/batch-client.js';
import type { Client } from '../client/client.js';
import { type GlobalOptions, output, parsePositiveInt, print } from './common-options.js';
import { askYesNo } from './confirm.js';
import { EXIT_FAILED, ReportedFailure, UsageError } from './errors.js';
import { formatKeyValues } from './output.js';
import { ProgressBar } from './progress-bar.js';

/** The flags that choose one workflow or a batch. */
export interface SingleOrBatchFlags extends GlobalOptions {
  workflowId?: string;
  runId?: string;
  query?: string;
  yes?: boolean;
  rps?: number;
}

export type Target =
  | { kind: 'single'; workflowId: string; runId?: string }
  | { kind: 'batch'; query: string };

/** Adds `-w/-r` (one workflow) and `-q/--yes/--rps` (a batch), Temporal's flags. */
export function addSingleOrBatchOptions(command: Command): Command {
  return command
    .option('-w, --workflow-id <id>', 'workflow id (one workflow)')
    .option('-r, --run-id <id>', 'run id, with --workflow-id (default: the latest run)')
    .option(
      '-q, --query <query>',
      'visibility query: start a batch over every running workflow it matches, e.g. \'WorkflowType = "order"\'',
    )
    .option('-y, --yes', 'with --query: start the batch without asking (the CLI asks only on a terminal)')
    .option('--rps <n>', 'with --query: change at most this many workflows per second', parsePositiveInt);
}

/** Which the flags chose; a mix that means nothing is a usage error naming the flags. */
export function targetOf(flags: SingleOrBatchFlags): Target {
  if (flags.workflowId !== undefined && flags.query !== undefined) {
    throw new UsageError(
      'give either --workflow-id (-w) for one workflow or --query (-q) for a batch, not both',
    );
  }
  if (flags.query !== undefined) {
    if (flags.runId !== undefined)
      throw new UsageError('--run-id (-r) goes with --workflow-id, not with --query');
    if (flags.query.trim() === '') {
      throw new UsageError(
        `--query is empty; give a visibility query, e.g. --query 'WorkflowType = "order"'`,
      );
    }
    return { kind: 'batch', query: flags.query };
  }
  if (flags.workflowId === undefined) {
    throw new UsageError(
      'give --workflow-id (-w) for one workflow, or --query (-q) for a batch over the workflows it matches',
    );
  }
  if (flags.yes) throw new UsageError('--yes (-y) goes with --query; one workflow is changed without asking');
  if (flags.rps !== undefined) throw new UsageError('--rps goes with --query');
  return { kind: 'single', workflowId: flags.workflowId, runId: flags.runId };
}

/** What the command does to each workflow, for the question and the summary. */
export interface BatchWording {
  /** "terminate" */
  verb: string;
  /** "terminated" */
  done: string;
}

/**
 * Starts a batch and follows it to its end. Exits 1 (after the summary) when the batch did not complete
 * or any workflow could not be changed.
 */
export async function runBatch(
  client: Client,
  flags: SingleOrBatchFlags & { reason?: string },
  query: string,
  action: BatchOperationAction,
  wording: BatchWording,
): Promise<void> {
  if (!flags.yes && process.stdin.isTTY) {
    const { count } = await client.workflow.count(query);
    const asked = `Start a batch to ${wording.verb} approximately ${count} workflow(s)?`;
    if (!(await askYesNo(asked))) {
      process.stderr.write('Batch not started.\n');
      throw new ReportedFailure(EXIT_FAILED);
    }
  }
  const jobId = await client.batch.start(action, {
    query,
    reason: flags.reason ?? defaultReason(),
    maxOperationsPerSecond: flags.rps,
  });
  if (flags.output === 'table') print(`Started batch for job ID: ${jobId}`);
  const bar = new ProgressBar('workflows', undefined);
  // Ctrl-C stops following the batch, not the batch.
  const detach = (): void => {
    bar.finish();
    process.stderr.write(
      `The batch keeps running on the server: strata batch describe --job-id ${jobId} (strata batch terminate to stop it)\n`,
    );
    process.exit(130);
  };
  process.once('SIGINT', detach);
  let last: BatchOperationDescription;
  try {
    last = await client.batch.waitForCompletion(jobId, {
      onProgress: (progress) => {
        bar.setTotal(progress.totalOperationCount);
        const failed = progress.failureOperationCount;
        bar.update(progress.completeOperationCount + failed, failed > 0 ? `${failed} failed` : '');
      },
    });
  } finally {
    process.off('SIGINT', detach);
    bar.finish();
  }
  reportBatch(flags, last, wording);
}

/** Temporal's default: who asked, from where. */
function defaultReason(): string {
  let user = '<unknown user>';
  try {
    user = userInfo().username || user;
  } catch {
    // No user entry for this uid (e.g. a container): keep the placeholder.
  }
  return `Requested from the Strata CLI by ${user}`;
}

function reportBatch(flags: GlobalOptions, batch: BatchOperationDescription, wording: BatchWording): void {
  const failed = batch.failureOperationCount;
  output(
    flags,
    {
      batchJobId: batch.jobId,
      state: batch.state,
      totalOperationCount: batch.totalOperationCount,
      completeOperationCount: batch.completeOperationCount,
      failureOperationCount: failed,
      closeReason: batch.closeReason || undefined,
      failures: batch.failures,
    },
    `Batch ${batch.jobId} ${batch.state}: ${wording.done} ${batch.completeOperationCount} of ${batch.totalOperationCount} workflow(s), ${failed} failed.`,
  );
  if (flags.output === 'table') {
    if (batch.closeReason)
      process.stderr.write(`${batch.state === 'TERMINATED' ? 'stopped' : 'failed'}: ${batch.closeReason}\n`);
    if (failed > 0) {
      const shown = batch.failures.map(
        (failure) => [`${failure.workflowId} ${failure.runId}`.trim(), failure.message] as const,
      );
      const more =
        failed > shown.length
          ? `\n  ... and ${failed - shown.length} more (strata batch describe --job-id ${batch.jobId})`
          : '';
      process.stderr.write(`Not changed:\n${formatKeyValues(shown, '  ')}${more}\n`);
    }
  }
  if (batch.state !== 'COMPLETED' || failed > 0) throw new ReportedFailure(EXIT_FAILED);
}
