/**
 * `strata workflow replay`: replays histories (live ones fetched from the server, or files) against local workflow
 * code, to know before a deploy whether the new code can continue every workflow in flight. Exit code 1 when any
 * history diverges.
 */
import { type Command, Option } from 'commander';
import { runReplayHistories } from '../worker/replay/replay-history.js';
import { bundleWorkflowCode, type WorkflowBundle } from '../worker/sandbox/bundler.js';
import { DeterminismViolationError } from '../workflow/errors.js';
import { addGlobalOptions, type GlobalOptions, print, withClient } from './common-options.js';
import { EXIT_FAILED, ReportedFailure, UsageError } from './errors.js';
import { fileHistories, type HistorySource, queriedHistories, workflowHistory } from './history-sources.js';
import { type Column, formatKeyValues, formatTable, toJsonDocument, truncate } from './output.js';
import { ProgressBar } from './progress-bar.js';

interface ReplayFlags extends GlobalOptions {
  workflows: string;
  workflowId?: string;
  runId?: string;
  query?: string;
  historyFile?: string[];
}

type ReplayStatus = 'replayed' | 'diverged' | 'failed';

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  status: ReplayStatus;
  events: number;
  /** The history event where code and history diverged. */
  eventId?: number;
  error?: string;
}

export interface ReplayReport {
  workflowsPath: string;
  bundleHash: string;
  outcomes: ReplayOutcome[];
  events: number;
  /** Fetching and replaying, bundling excluded. */
  seconds: number;
  /** CPU time of this process over the same span (fetching is mostly the server's work). */
  cpuSeconds: number;
}

export function registerWorkflowReplayCommands(workflow: Command): void {
  addGlobalOptions(
    workflow
      .command('replay')
      .description(
        'Replay workflow histories against local workflow code: does the new code continue them? Exits 1 if any diverges',
      )
      .requiredOption('--workflows <path>', 'the workflows module to check, e.g. ./src/workflows.ts')
      .option('-w, --workflow-id <id>', 'replay this workflow')
      .option('-r, --run-id <id>', 'with -w: this run (default: the latest run)')
      .option(
        '-q, --query <query>',
        'replay every execution this visibility query matches, e.g. \'WorkflowType = "order" AND ExecutionStatus = "Running"\'',
      )
      .addOption(
        new Option(
          '--history-file <file>',
          'replay a history exported with `workflow show -o json` (repeatable)',
        ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
      ),
  ).action(async (flags: ReplayFlags) => {
    const sources = [flags.workflowId, flags.query, flags.historyFile].filter((s) => s !== undefined);
    if (sources.length !== 1) {
      throw new UsageError(
        'say which histories to replay with exactly one of -w <workflow id>, --query <visibility query> or --history-file <file>',
      );
    }
    if (flags.runId !== undefined && flags.workflowId === undefined) throw new UsageError('-r needs -w');
    const bundle = await bundleWorkflowCode({ workflowsPath: flags.workflows });
    const report =
      flags.historyFile !== undefined
        ? await replaySource(flags.workflows, bundle, await fileHistories(flags.historyFile))
        : await withClient(flags, async (client) =>
            replaySource(
              flags.workflows,
              bundle,
              flags.query !== undefined
                ? await queriedHistories(client, flags.query)
                : await workflowHistory(client, flags.workflowId!, flags.runId),
            ),
          );
    print(flags.output === 'json' ? toJsonDocument(reportToJson(report)) : formatReport(report));
    if (report.outcomes.some((o) => o.status !== 'replayed')) throw new ReportedFailure(EXIT_FAILED);
  });
}

/** Replays every history of `source` with one sandbox, showing progress. */
export async function replaySource(
  workflowsPath: string,
  bundle: WorkflowBundle,
  source: HistorySource,
): Promise<ReplayReport> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const progress = new ProgressBar('workflows', source.total);
  const outcomes: ReplayOutcome[] = [];
  const eventCounts: number[] = [];
  let events = 0;
  let problems = 0;
  async function* counted() {
    for await (const { workflowId, events: history } of source.histories) {
      eventCounts.push(history.length);
      yield { workflowId, history };
    }
  }
  try {
    for await (const result of runReplayHistories({ workflowBundle: bundle }, counted())) {
      const count = eventCounts[outcomes.length] ?? 0;
      events += count;
      const error = result.error;
      outcomes.push({
        workflowId: result.workflowId,
        runId: result.runId,
        status:
          error === undefined
            ? 'replayed'
            : error instanceof DeterminismViolationError
              ? 'diverged'
              : 'failed',
        events: count,
        ...(error instanceof DeterminismViolationError && error.eventId !== undefined
          ? { eventId: error.eventId }
          : {}),
        ...(error === undefined ? {} : { error: error.message }),
      });
      if (error !== undefined) problems++;
      progress.update(outcomes.length, `${events.toLocaleString('en-US')} events, ${problems} not replayed`);
    }
  } finally {
    progress.finish();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    workflowsPath,
    bundleHash: bundle.hash,
    outcomes,
    events,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

function countOf(report: ReplayReport, status: ReplayStatus): number {
  return report.outcomes.filter((o) => o.status === status).length;
}

function eventsPerSecond(report: ReplayReport): number {
  return report.seconds > 0 ? Math.round(report.events / report.seconds) : 0;
}

/** `[NDE] workflow "x" run "y" (type "t"): ` says again what the row's columns say. */
const RUN_PREFIX = /^\[NDE\] workflow ".*?" run ".*?" \(type ".*?"\): /;

const OUTCOME_COLUMNS: Column<ReplayOutcome>[] = [
  { header: 'Status', value: (o) => o.status.toUpperCase() },
  { header: 'WorkflowId', value: (o) => o.workflowId },
  { header: 'RunId', value: (o) => o.runId },
  { header: 'Event', value: (o) => (o.eventId === undefined ? '' : String(o.eventId)) },
  { header: 'Error', value: (o) => truncate((o.error ?? '').replace(RUN_PREFIX, ''), 110) },
];

export function formatReport(report: ReplayReport): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `Replayed ${n(report.outcomes.length)} workflow ${report.outcomes.length === 1 ? 'history' : 'histories'} (${n(report.events)} events) against ` +
      `${report.workflowsPath} (bundle ${report.bundleHash.slice(0, 12)}) in ${report.seconds.toFixed(2)} s, ` +
      `${n(eventsPerSecond(report))} events/s`,
    formatKeyValues(
      [
        ['replayed cleanly', n(countOf(report, 'replayed'))],
        ['diverged', n(countOf(report, 'diverged'))],
        ['could not replay', n(countOf(report, 'failed'))],
      ],
      '  ',
    ),
  ];
  const bad = report.outcomes.filter((o) => o.status !== 'replayed');
  if (bad.length > 0) {
    lines.push(
      '',
      formatTable(OUTCOME_COLUMNS, bad),
      '',
      `First problem, in full (${bad[0]!.workflowId}):`,
      bad[0]!.error ?? '',
    );
  }
  return lines.join('\n');
}

export function reportToJson(report: ReplayReport) {
  return {
    workflowsPath: report.workflowsPath,
    bundleHash: report.bundleHash,
    histories: report.outcomes.length,
    replayed: countOf(report, 'replayed'),
    diverged: countOf(report, 'diverged'),
    failed: countOf(report, 'failed'),
    events: report.events,
    seconds: report.seconds,
    cpuSeconds: report.cpuSeconds,
    eventsPerSecond: eventsPerSecond(report),
    results: report.outcomes,
  };
}
