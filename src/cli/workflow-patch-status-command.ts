/**
 * `strata workflow patch-status <patch-id> [--type T]`: counts the running workflows that recorded a patch (plain or
 * deprecated marker) or not, and says which stage of the patching guide is safe now. It reads the history of every
 * running workflow of the type (one list query, one history fetch per workflow, 8 at a time).
 */
import type { Command } from 'commander';
import type { Client } from '../client/client.js';
import { addGlobalOptions, type GlobalOptions, print, withClient } from './common-options.js';
import { queriedHistories } from './history-sources.js';
import { type Column, formatTable, toJsonDocument } from './output.js';
import {
  adviseStage,
  emptyCounts,
  type PatchCounts,
  runningWorkflows,
  runPatchState,
  type StageAdvice,
} from './patch-status.js';
import { ProgressBar } from './progress-bar.js';

interface PatchStatusFlags extends GlobalOptions {
  type?: string;
}

export interface TypePatchStatus extends StageAdvice {
  workflowType: string;
  running: number;
  counts: PatchCounts;
}

export interface PatchStatusReport {
  patchId: string;
  query: string;
  /** Workflow types with at least one running workflow that recorded the patch, or the type asked for. */
  types: TypePatchStatus[];
  /** Running workflows of other types, none of which recorded the patch (when no type was given). */
  otherTypes: { workflowType: string; running: number }[];
  seconds: number;
}

export function registerWorkflowPatchStatusCommand(workflow: Command): void {
  addGlobalOptions(
    workflow
      .command('patch-status')
      .description(
        'Count the running workflows with and without the marker of a patch, and say which stage of patching is safe now',
      )
      .argument('<patch-id>', "the id given to patched() / deprecatePatch(), e.g. 'my-change-id'")
      .option('--type <workflowType>', 'look at running workflows of this type only (recommended)'),
  ).action((patchId: string, flags: PatchStatusFlags) =>
    withClient(flags, async (client) => {
      const report = await patchStatus(client, patchId, flags.type);
      print(flags.output === 'json' ? toJsonDocument(report) : formatPatchStatus(report));
    }),
  );
}

export async function patchStatus(
  client: Client,
  patchId: string,
  type?: string,
): Promise<PatchStatusReport> {
  const started = performance.now();
  const query =
    type === undefined
      ? 'ExecutionStatus = "Running"'
      : `ExecutionStatus = "Running" AND WorkflowType = ${JSON.stringify(type)}`;
  const source = await queriedHistories(client, query);
  const byType = new Map<string, PatchCounts>();
  const progress = new ProgressBar('running workflows', source.total);
  let checked = 0;
  try {
    for await (const { events } of source.histories) {
      const first = events[0]?.attributes;
      const workflowType =
        first?.case === 'workflowExecutionStartedEventAttributes'
          ? (first.value.workflowType?.name ?? '')
          : '';
      const counts = byType.get(workflowType) ?? emptyCounts();
      counts[runPatchState(events, patchId)]++;
      byType.set(workflowType, counts);
      progress.update(++checked);
    }
  } finally {
    progress.finish();
  }
  if (type !== undefined && !byType.has(type)) byType.set(type, emptyCounts());
  const types: TypePatchStatus[] = [];
  const otherTypes: PatchStatusReport['otherTypes'] = [];
  for (const [workflowType, counts] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const running = counts.patched + counts.deprecated + counts.unpatched + counts.notStarted;
    if (type === undefined && counts.patched + counts.deprecated === 0) {
      otherTypes.push({ workflowType, running });
      continue;
    }
    types.push({ workflowType, running, counts, ...adviseStage(patchId, counts) });
  }
  return { patchId, query, types, otherTypes, seconds: (performance.now() - started) / 1000 };
}

const COUNT_COLUMNS: Column<TypePatchStatus>[] = [
  { header: 'WorkflowType', value: (t) => t.workflowType },
  { header: 'Running', value: (t) => String(t.running) },
  { header: 'Patched', value: (t) => String(t.counts.patched) },
  { header: 'Deprecated', value: (t) => String(t.counts.deprecated) },
  { header: 'NoMarker', value: (t) => String(t.counts.unpatched) },
  { header: 'NotStarted', value: (t) => String(t.counts.notStarted) },
  { header: 'SafeStage', value: (t) => String(t.stage) },
];

export function formatPatchStatus(report: PatchStatusReport): string {
  const checked = [...report.types, ...report.otherTypes].reduce((sum, t) => sum + t.running, 0);
  const lines = [
    `Patch "${report.patchId}": ${runningWorkflows(checked)} checked in ${report.seconds.toFixed(2)} s (${report.query})`,
  ];
  if (report.types.length === 0) {
    lines.push(`No running workflow recorded a marker for "${report.patchId}".`);
  } else {
    lines.push('', formatTable(COUNT_COLUMNS, report.types), '');
    for (const t of report.types) lines.push(`${t.workflowType}: stage ${t.stage} is safe. ${t.advice}`);
    lines.push(
      '',
      'Patched: patched() recorded the marker. Deprecated: only deprecatePatch() did. NoMarker: workflow code ran ' +
        'without recording it (started before the patch). NotStarted: no workflow task ran yet.',
    );
  }
  if (report.otherTypes.length > 0) {
    const others = report.otherTypes.map((t) => `${t.workflowType} (${t.running})`).join(', ');
    lines.push(
      '',
      `Running workflows of other types, none with the marker: ${others}. If one of these types calls ` +
        `patched('${report.patchId}'), ask with --type: its running workflows started before the patch.`,
    );
  }
  return lines.join('\n');
}
