/**
 * Commands that look at workflows: describe, show (history), list, count.
 */
import { toJson } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import { HistorySchema } from '../gen/strata/v1/history_pb.js';
import {
  addExecutionOptions,
  addGlobalOptions,
  type GlobalOptions,
  parsePositiveInt,
  print,
  withClient,
} from './common-options.js';
import { type EventSummary, summarizeEvent } from './history-summary.js';
import { type Column, formatTable, formatTime, toJsonDocument } from './output.js';
import { descriptionToJson, executionInfoToJson, formatDescription, LIST_COLUMNS } from './workflow-views.js';

interface ExecutionFlags extends GlobalOptions {
  workflowId: string;
  runId?: string;
}

interface ListFlags extends GlobalOptions {
  query?: string;
  limit?: number;
}

const HISTORY_COLUMNS: Column<EventSummary>[] = [
  { header: 'Id', value: (e) => String(e.eventId) },
  { header: 'Time', value: (e) => formatTime(e.time) ?? '' },
  { header: 'Type', value: (e) => e.eventType },
  { header: 'Details', value: (e) => e.details },
];

export function registerWorkflowInspectCommands(workflow: Command): void {
  addGlobalOptions(
    addExecutionOptions(
      workflow
        .command('describe')
        .description('Show status, times, pending activities and the last workflow task failure'),
    ),
  ).action((flags: ExecutionFlags) =>
    withClient(flags, async (client) => {
      const description = await client.workflow.getHandle(flags.workflowId, flags.runId).describe();
      print(
        flags.output === 'json'
          ? toJsonDocument(descriptionToJson(description, flags.namespace))
          : formatDescription(description, flags.namespace),
      );
    }),
  );

  addGlobalOptions(
    addExecutionOptions(workflow.command('show').description("Print a workflow's event history")),
  ).action((flags: ExecutionFlags) =>
    withClient(flags, async (client) => {
      const history = await client.workflow.getHandle(flags.workflowId, flags.runId).fetchHistory();
      print(
        flags.output === 'json'
          ? toJsonDocument(toJson(HistorySchema, history))
          : formatTable(HISTORY_COLUMNS, history.events.map(summarizeEvent)),
      );
    }),
  );

  addGlobalOptions(
    workflow
      .command('list')
      .description('List workflow executions, newest first')
      .option(
        '-q, --query <query>',
        'visibility query, e.g. \'WorkflowType = "greet" AND ExecutionStatus = "Running"\'',
      )
      .option('--limit <n>', 'show at most n executions', parsePositiveInt),
  ).action((flags: ListFlags) =>
    withClient(flags, async (client) => {
      const executions = [];
      const pageSize = Math.min(flags.limit ?? 100, 1000);
      for await (const info of client.workflow.list({ query: flags.query, pageSize })) {
        executions.push(info);
        if (flags.limit !== undefined && executions.length >= flags.limit) break;
      }
      print(
        flags.output === 'json'
          ? toJsonDocument(executions.map(executionInfoToJson))
          : formatTable(LIST_COLUMNS, executions),
      );
    }),
  );

  addGlobalOptions(
    workflow
      .command('count')
      .description('Count workflow executions')
      .option('-q, --query <query>', 'visibility query, e.g. \'ExecutionStatus = "Running"\''),
  ).action((flags: ListFlags) =>
    withClient(flags, async (client) => {
      const { count } = await client.workflow.count(flags.query);
      print(flags.output === 'json' ? toJsonDocument({ count }) : `Total: ${count}`);
    }),
  );
}
