/**
 * `strata batch list | describe | terminate`: the namespace's batch operations, with the flags of
 * `temporal batch ...`. Batches are started by `strata workflow terminate|cancel|signal|update-options --query`.
 */
import type { Command } from 'commander';
import type { BatchOperationDescription, BatchOperationSummary } from '../client/batch-client.js';
import {
  addGlobalOptions,
  type GlobalOptions,
  output,
  parsePositiveInt,
  print,
  withClient,
} from './common-options.js';
import { formatKeyValues, formatTable, formatTime, toJsonDocument } from './output.js';

interface ListFlags extends GlobalOptions {
  limit?: number;
}

interface JobFlags extends GlobalOptions {
  jobId: string;
}

interface StopFlags extends JobFlags {
  reason: string;
}

const progressOf = (batch: BatchOperationSummary): string =>
  `${batch.completeOperationCount}/${batch.totalOperationCount}`;

function describeText(batch: BatchOperationDescription): string {
  const text = formatKeyValues([
    ['JobId', batch.jobId],
    ['Type', batch.operationType],
    ['State', batch.state],
    ['Query', batch.query || undefined],
    ['Reason', batch.reason || undefined],
    ['Identity', batch.identity || undefined],
    ['StartTime', formatTime(batch.startTime)],
    ['CloseTime', formatTime(batch.closeTime)],
    ['CloseReason', batch.closeReason || undefined],
    ['Total', String(batch.totalOperationCount)],
    ['Changed', String(batch.completeOperationCount)],
    ['Failed', String(batch.failureOperationCount)],
  ]);
  if (batch.failures.length === 0) return text;
  const failures = formatTable(
    [
      {
        header: 'WorkflowId',
        value: (failure: BatchOperationDescription['failures'][number]) => failure.workflowId,
      },
      { header: 'RunId', value: (failure) => failure.runId },
      { header: 'Error', value: (failure) => failure.message },
    ],
    batch.failures,
  );
  return `${text}\n\nFailures (first ${batch.failures.length}):\n${failures}`;
}

export function registerBatchCommands(program: Command): void {
  const batch = program
    .command('batch')
    .description('Follow and stop batch operations (start them with `strata workflow ... --query`)');

  addGlobalOptions(
    batch
      .command('list')
      .description("List the namespace's batch operations, newest first")
      .option('--limit <n>', 'show at most this many', parsePositiveInt),
  ).action((flags: ListFlags) =>
    withClient(flags, async (client) => {
      const batches: BatchOperationSummary[] = [];
      for await (const summary of client.batch.list()) {
        if (flags.limit !== undefined && batches.length >= flags.limit) break;
        batches.push(summary);
      }
      if (flags.output === 'json') {
        print(toJsonDocument(batches));
        return;
      }
      print(
        formatTable(
          [
            { header: 'JobId', value: (row: BatchOperationSummary) => row.jobId },
            { header: 'Type', value: (row) => row.operationType },
            { header: 'State', value: (row) => row.state },
            { header: 'StartTime', value: (row) => formatTime(row.startTime) ?? '' },
            { header: 'CloseTime', value: (row) => formatTime(row.closeTime) ?? '' },
            { header: 'Changed', value: progressOf },
            { header: 'Failed', value: (row) => String(row.failureOperationCount) },
          ],
          batches,
        ),
      );
    }),
  );

  addGlobalOptions(
    batch
      .command('describe')
      .description('Show a batch operation: its state, progress and the workflows it could not change')
      .requiredOption('--job-id <id>', 'the batch job id'),
  ).action((flags: JobFlags) =>
    withClient(flags, async (client) => {
      const description = await client.batch.describe(flags.jobId);
      output(flags, description, describeText(description));
    }),
  );

  addGlobalOptions(
    batch
      .command('terminate')
      .description('Stop a running batch operation; workflows it changed stay changed')
      .requiredOption('--job-id <id>', 'the batch job id')
      .requiredOption('--reason <text>', 'why, recorded in the batch'),
  ).action((flags: StopFlags) =>
    withClient(flags, async (client) => {
      await client.batch.stop(flags.jobId, flags.reason);
      output(flags, { batchJobId: flags.jobId, terminated: true }, `Batch ${flags.jobId} terminated`);
    }),
  );
}
