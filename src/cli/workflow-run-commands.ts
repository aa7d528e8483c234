/**
 * Commands that act on workflows: start, execute, result, signal, query, cancel, terminate.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Client } from '../client/client.js';
import { WorkflowFailedError } from '../client/errors.js';
import type { WorkflowHandle } from '../client/workflow-handle.js';
import { parseCronSchedule } from '../common/cron.js';
import {
  parseWorkflowIdConflictPolicy,
  parseWorkflowIdReusePolicy,
  type WorkflowIdConflictPolicy,
  type WorkflowIdReusePolicy,
} from '../common/workflow-id-policies.js';
import {
  addExecutionOptions,
  addGlobalOptions,
  addInputOption,
  asOption,
  type GlobalOptions,
  output,
  parseDurationMs,
  parseInputs,
  print,
  withClient,
} from './common-options.js';
import { EXIT_FAILED, ReportedFailure } from './errors.js';
import { failureToJson, formatFailureChain } from './failure-format.js';
import { compactJson, formatKeyValues, titleCase, toJsonDocument } from './output.js';
import {
  addVisibilityOptions,
  memoOf,
  searchAttributesOf,
  type VisibilityFlags,
} from './visibility-flags.js';
import { addSingleOrBatchOptions, runBatch, type SingleOrBatchFlags, targetOf } from './workflow-batch.js';
import { statusOfFailure } from './workflow-views.js';

interface StartFlags extends GlobalOptions, VisibilityFlags {
  type: string;
  taskQueue: string;
  workflowId?: string;
  input?: string[];
  executionTimeout?: number;
  runTimeout?: number;
  taskTimeout?: number;
  idReusePolicy?: WorkflowIdReusePolicy;
  idConflictPolicy?: WorkflowIdConflictPolicy;
  cron?: string;
}

interface ExecutionFlags extends GlobalOptions {
  workflowId: string;
  runId?: string;
}

interface NamedCallFlags extends ExecutionFlags {
  name: string;
  input?: string[];
}

interface SignalFlags extends SingleOrBatchFlags {
  name: string;
  input?: string[];
}

interface ReasonFlags extends SingleOrBatchFlags {
  reason?: string;
}

export function registerWorkflowRunCommands(workflow: Command): void {
  addStartOptions(
    workflow.command('start').description('Start a workflow and print its ids, without waiting'),
  ).action((flags: StartFlags) => startCommand(flags, false));

  addStartOptions(
    workflow.command('execute').description('Start a workflow, wait for it to close and print its result'),
  ).action((flags: StartFlags) => startCommand(flags, true));

  addGlobalOptions(
    addExecutionOptions(workflow.command('result').description('Wait for a workflow and print its result')),
  ).action((flags: ExecutionFlags) =>
    withClient(flags, async (client) => {
      const handle = client.workflow.getHandle(flags.workflowId, flags.runId);
      await printResult(handle, flags, { workflowId: flags.workflowId, runId: flags.runId });
    }),
  );

  addGlobalOptions(
    addInputOption(
      addSingleOrBatchOptions(
        workflow
          .command('signal')
          .description('Send a signal to a workflow, or to every workflow a query matches'),
      ).requiredOption('--name <signal>', 'signal name'),
    ),
  ).action((flags: SignalFlags) => {
    const target = targetOf(flags);
    const args = parseInputs(flags.input);
    return withClient(flags, async (client) => {
      if (target.kind === 'batch') {
        const action = { type: 'signal', signal: flags.name, args } as const;
        return runBatch(client, flags, target.query, action, { verb: 'signal', done: 'signaled' });
      }
      await client.workflow.getHandle(target.workflowId, target.runId).signal(flags.name, ...args);
      output(
        flags,
        { workflowId: target.workflowId, signal: flags.name },
        `Signal "${flags.name}" sent to ${target.workflowId}`,
      );
    });
  });

  addGlobalOptions(
    addInputOption(
      addExecutionOptions(
        workflow.command('query').description("Ask a workflow's query handler"),
      ).requiredOption('--name <query>', 'query name'),
    ),
  ).action((flags: NamedCallFlags) => {
    const args = parseInputs(flags.input);
    return withClient(flags, async (client) => {
      const result = await client.workflow
        .getHandle(flags.workflowId, flags.runId)
        .query(flags.name, ...args);
      output(flags, { queryResult: result }, `Query result:\n${toJsonDocument(result)}`);
    });
  });

  addGlobalOptions(
    addSingleOrBatchOptions(
      workflow
        .command('cancel')
        .description('Request cancellation of a workflow, or of every workflow a query matches'),
    ).option('--reason <text>', 'why, recorded in history'),
  ).action((flags: ReasonFlags) => {
    const target = targetOf(flags);
    return withClient(flags, async (client) => {
      if (target.kind === 'batch') {
        const wording = { verb: 'cancel', done: 'requested cancellation of' };
        return runBatch(client, flags, target.query, { type: 'cancel' }, wording);
      }
      await client.workflow.getHandle(target.workflowId, target.runId).cancel(flags.reason);
      output(
        flags,
        { workflowId: target.workflowId, cancelRequested: true },
        `Cancellation requested for ${target.workflowId}`,
      );
    });
  });

  addGlobalOptions(
    addSingleOrBatchOptions(
      workflow.command('terminate').description('Stop a workflow at once, or every workflow a query matches'),
    ).option('--reason <text>', 'why, recorded in history'),
  ).action((flags: ReasonFlags) => {
    const target = targetOf(flags);
    return withClient(flags, async (client) => {
      if (target.kind === 'batch') {
        const wording = { verb: 'terminate', done: 'terminated' };
        return runBatch(client, flags, target.query, { type: 'terminate' }, wording);
      }
      await client.workflow.getHandle(target.workflowId, target.runId).terminate(flags.reason);
      output(
        flags,
        { workflowId: target.workflowId, terminated: true },
        `Workflow ${target.workflowId} terminated`,
      );
    });
  });
}

function addStartOptions(command: Command): Command {
  return addGlobalOptions(
    addVisibilityOptions(
      addInputOption(
        command
          .requiredOption('--type <name>', 'workflow type (the exported function name)')
          .requiredOption('-t, --task-queue <name>', 'task queue a worker polls')
          .option('-w, --workflow-id <id>', 'workflow id (default: a random UUID)')
          .option(
            '--execution-timeout <duration>',
            "limit for the whole workflow, e.g. '1h'",
            parseDurationMs,
          )
          .option('--run-timeout <duration>', "limit for one run, e.g. '30m'", parseDurationMs)
          .option('--task-timeout <duration>', "limit for one workflow task, e.g. '10s'", parseDurationMs)
          .option(
            '--id-reuse-policy <policy>',
            'when the id was used by a closed run: AllowDuplicate, AllowDuplicateFailedOnly, RejectDuplicate, TerminateIfRunning',
            (value: string) => asOption(() => parseWorkflowIdReusePolicy(value, '--id-reuse-policy')),
          )
          .option(
            '--id-conflict-policy <policy>',
            'when a run with the id is running: Fail, UseExisting, TerminateExisting',
            (value: string) => asOption(() => parseWorkflowIdConflictPolicy(value, '--id-conflict-policy')),
          )
          .option(
            '--cron <schedule>',
            "cron schedule in UTC, e.g. '0 * * * *' or '@hourly': runs start at each schedule time",
            (value: string) => asOption(() => parseCronSchedule(value).text),
          ),
      ),
    ),
  );
}

async function startCommand(flags: StartFlags, wait: boolean): Promise<void> {
  const args = parseInputs(flags.input);
  const workflowId = flags.workflowId ?? randomUUID();
  const memo = await memoOf(flags);
  await withClient(flags, async (client: Client) => {
    const searchAttributes = await searchAttributesOf(client, flags.namespace, flags.searchAttribute);
    const handle = await client.workflow.start(flags.type, {
      taskQueue: flags.taskQueue,
      workflowId,
      args,
      workflowExecutionTimeout: flags.executionTimeout,
      workflowRunTimeout: flags.runTimeout,
      workflowTaskTimeout: flags.taskTimeout,
      searchAttributes,
      memo,
      workflowIdReusePolicy: flags.idReusePolicy,
      workflowIdConflictPolicy: flags.idConflictPolicy,
      cronSchedule: flags.cron,
    });
    const started = {
      workflowId,
      runId: handle.firstExecutionRunId,
      type: flags.type,
      namespace: flags.namespace,
      taskQueue: flags.taskQueue,
    };
    if (!wait) {
      output(flags, started, `Running execution:\n${formatKeyValues(titleCase(started), '  ')}`);
      return;
    }
    if (flags.output === 'table') print(`Running execution:\n${formatKeyValues(titleCase(started), '  ')}\n`);
    await printResult(handle, flags, started);
  });
}

/** Waits for the result; a workflow that did not complete is reported and exits 1. */
async function printResult(handle: WorkflowHandle, flags: GlobalOptions, about: object): Promise<void> {
  try {
    const result = await handle.result();
    output(
      flags,
      { ...about, status: 'COMPLETED', result },
      `Results:\n${formatKeyValues(
        [
          ['Status', 'COMPLETED'],
          ['Result', compactJson(result) || 'undefined'],
        ],
        '  ',
      )}`,
    );
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const status = statusOfFailure(err);
    const cause = err.cause instanceof Error ? err.cause : err;
    if (flags.output === 'json') {
      print(toJsonDocument({ ...about, status, failure: failureToJson(cause) }));
    } else {
      print(`Results:\n${formatKeyValues([['Status', status]], '  ')}`);
      process.stderr.write(`error: ${err.message}\n${formatFailureChain(cause)}\n`);
    }
    throw new ReportedFailure(EXIT_FAILED);
  }
}
