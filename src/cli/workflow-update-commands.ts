/**
 * `strata workflow update execute|start|result|describe`: Temporal CLI's update commands and flags.
 * `strata workflow update --name X -w ID` is `execute`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Client } from '../client/client.js';
import { WorkflowUpdateFailedError } from '../client/errors.js';
import {
  outcomeValue,
  pollUpdate,
  sendUpdate,
  type WorkflowUpdateHandle,
  WorkflowUpdateStage,
} from '../client/update-handle.js';
import type { HandleContext } from '../client/workflow-handle-impl.js';
import type { UpdateOutcome } from '../gen/strata/v1/update_pb.js';
import { UpdateWorkflowExecutionLifecycleStage as ProtoStage } from '../gen/strata/v1/update_pb.js';
import {
  addExecutionOptions,
  addGlobalOptions,
  addInputOption,
  type GlobalOptions,
  output,
  parseInputs,
  print,
  withClient,
} from './common-options.js';
import { EXIT_FAILED, ReportedFailure } from './errors.js';
import { failureToJson, formatFailureChain } from './failure-format.js';
import { compactJson, formatKeyValues, titleCase, toJsonDocument } from './output.js';

interface UpdateTargetFlags extends GlobalOptions {
  workflowId: string;
  runId?: string;
}

interface SendFlags extends UpdateTargetFlags {
  name: string;
  updateId?: string;
  input?: string[];
}

interface StartFlags extends SendFlags {
  waitForStage: 'accepted';
}

interface UpdateIdFlags extends UpdateTargetFlags {
  updateId: string;
}

export function registerWorkflowUpdateCommands(workflow: Command): void {
  const update = workflow
    .command('update')
    .description('Send updates to a workflow and read their results (default subcommand: execute)');

  addSendOptions(
    update
      .command('execute', { isDefault: true })
      .description("Send an update and wait for its handler's result"),
  ).action((flags: SendFlags) => sendCommand(flags, WorkflowUpdateStage.COMPLETED));

  addSendOptions(
    update.command('start').description('Send an update and return once the workflow accepted it'),
  )
    .addOption(
      new Option('--wait-for-stage <stage>', 'stage to wait for; only "accepted"')
        .argParser(parseStage)
        .makeOptionMandatory(),
    )
    .action((flags: StartFlags) => sendCommand(flags, WorkflowUpdateStage.ACCEPTED));

  addUpdateIdOptions(
    update.command('result').description("Wait for an update's handler and print its result"),
  ).action((flags: UpdateIdFlags) =>
    withClient(flags, async (client) => {
      const ids = idsOf(flags, flags.updateId);
      const handle = client.workflow.getHandle(flags.workflowId, flags.runId).getUpdateHandle(flags.updateId);
      await printOutcome(flags, ids, () => handle.result());
    }),
  );

  addUpdateIdOptions(
    update.command('describe').description("Show an update's stage, and its outcome once completed"),
  ).action((flags: UpdateIdFlags) =>
    withClient(flags, async (client) => {
      const target = { workflowId: flags.workflowId, runId: flags.runId };
      const { stage, outcome } = await pollUpdate(
        contextOf(client, flags),
        target,
        flags.updateId,
        ProtoStage.UNSPECIFIED,
      );
      describeOutcome(flags, { ...idsOf(flags, flags.updateId), stage }, outcome);
    }),
  );
}

function addSendOptions(command: Command): Command {
  return addGlobalOptions(
    addInputOption(
      addExecutionOptions(command)
        .requiredOption('--name <update>', 'update name (the handler set with setHandler)')
        .option(
          '--update-id <id>',
          'update id; resending an id never runs the handler twice (default: a random UUID)',
        ),
    ),
  );
}

function addUpdateIdOptions(command: Command): Command {
  return addGlobalOptions(addExecutionOptions(command).requiredOption('--update-id <id>', 'update id'));
}

function parseStage(value: string): 'accepted' {
  if (value.toLowerCase() === 'accepted') return 'accepted';
  throw new InvalidArgumentError(
    `"${value}" is not a stage start waits for; use "accepted" (execute waits for the result)`,
  );
}

function contextOf(client: Client, flags: GlobalOptions): HandleContext {
  return {
    service: client.connection.workflowService,
    namespace: flags.namespace,
    identity: `strata-cli@${process.pid}`,
  };
}

function idsOf(flags: UpdateTargetFlags, updateId: string) {
  return { workflowId: flags.workflowId, runId: flags.runId, updateId };
}

async function sendCommand(flags: SendFlags, stage: WorkflowUpdateStage): Promise<void> {
  const args = parseInputs(flags.input);
  await withClient(flags, async (client) => {
    const target = { workflowId: flags.workflowId, runId: flags.runId };
    const sent = await sendUpdate(contextOf(client, flags), target, flags.name, args, flags.updateId, stage);
    const handle: WorkflowUpdateHandle<unknown> = sent.handle;
    const ids = { workflowId: handle.workflowId, runId: handle.workflowRunId, updateId: handle.updateId };
    if (stage === WorkflowUpdateStage.ACCEPTED && sent.outcome === undefined) {
      const accepted = { ...ids, name: flags.name, stage: WorkflowUpdateStage.ACCEPTED };
      output(flags, accepted, `Update accepted:\n${formatKeyValues(titleCase(accepted), '  ')}`);
      return;
    }
    await printOutcome(flags, { ...ids, name: flags.name }, () => handle.result());
  });
}

/** Prints the result; an update that failed (rejected, or its handler threw) is reported and exits 1. */
async function printOutcome(
  flags: GlobalOptions,
  about: Record<string, string | undefined>,
  result: () => Promise<unknown>,
): Promise<void> {
  try {
    const value = await result();
    output(
      flags,
      { ...about, stage: WorkflowUpdateStage.COMPLETED, result: value },
      `Update result:\n${formatKeyValues([...titleCase(about), ['Result', compactJson(value) || 'undefined']], '  ')}`,
    );
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const cause = err.cause instanceof Error ? err.cause : err;
    if (flags.output === 'json') {
      print(
        toJsonDocument({ ...about, stage: WorkflowUpdateStage.COMPLETED, failure: failureToJson(cause) }),
      );
    } else {
      print(`Update failed:\n${formatKeyValues(titleCase(about), '  ')}`);
      process.stderr.write(`error: ${err.message}\n${formatFailureChain(cause)}\n`);
    }
    throw new ReportedFailure(EXIT_FAILED);
  }
}

function describeOutcome(
  flags: GlobalOptions,
  about: Record<string, string | undefined>,
  outcome: UpdateOutcome | undefined,
): void {
  if (outcome === undefined) {
    output(flags, about, formatKeyValues(titleCase(about)));
    return;
  }
  const ids = { updateId: about.updateId ?? '', workflowId: about.workflowId ?? '', runId: about.runId };
  try {
    const value = outcomeValue(outcome, ids);
    output(
      flags,
      { ...about, result: value },
      formatKeyValues([...titleCase(about), ['Result', compactJson(value) || 'undefined']]),
    );
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const cause = err.cause instanceof Error ? err.cause : err;
    output(
      flags,
      { ...about, failure: failureToJson(cause) },
      `${formatKeyValues(titleCase(about))}\nFailure:\n${formatFailureChain(cause)}`,
    );
  }
}
