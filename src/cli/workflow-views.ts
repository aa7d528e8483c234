/**
 * How workflow records are shown: plain objects for `-o json`, text blocks for tables.
 */
import type {
  WorkflowExecutionDescription,
  WorkflowExecutionInfo,
  WorkflowExecutionStatusName,
  WorkflowVersioningInfo,
} from '../client/description.js';
import type { WorkflowFailedError } from '../client/errors.js';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '../common/failure.js';
import type { TypedSearchAttributes } from '../common/search-attributes.js';
import { formatVersion } from '../common/versioning.js';
import { describeOverride } from '../common/versioning-proto.js';
import { failureToJson, formatFailureInline } from './failure-format.js';
import { type Column, compactJson, formatKeyValues, formatTable, formatTime, truncate } from './output.js';

/** Search attribute values by name, times as ISO strings: `{ CustomerId: 'acme', Tags: ['a'] }`. */
function searchAttributeValues(typed: TypedSearchAttributes): Record<string, unknown> {
  return Object.fromEntries(
    typed.getAll().map(({ key, value }) => [key.name, value instanceof Date ? value.toISOString() : value]),
  );
}

/** `Name  value` lines, sorted by name, values as compact JSON. */
function valueLines(values: Record<string, unknown>): string {
  return formatKeyValues(
    Object.entries(values)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => [name, truncate(compactJson(value), 200)]),
    '  ',
  );
}

/** A listed execution as JSON: dates as ISO strings, the status by name. */
export function executionInfoToJson(info: WorkflowExecutionInfo | WorkflowExecutionDescription) {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    taskQueue: info.taskQueue,
    status: info.status.name,
    startTime: formatTime(info.startTime),
    closeTime: formatTime(info.closeTime),
    historyLength: info.historyLength,
    searchAttributes: searchAttributeValues(info.typedSearchAttributes),
    memo: info.memo,
    versioningInfo: info.versioningInfo && versioningInfoToJson(info.versioningInfo),
  };
}

function versioningInfoToJson(info: WorkflowVersioningInfo) {
  const override = info.versioningOverride;
  return {
    behavior: info.behavior,
    version: info.version && formatVersion(info.version),
    versioningOverride:
      override === undefined || override === 'AUTO_UPGRADE'
        ? override
        : { pinnedTo: formatVersion(override.pinnedTo) },
    effectiveBehavior: info.effectiveBehavior,
    pinnedVersion: info.pinnedVersion && formatVersion(info.pinnedVersion),
  };
}

/** The `Versioning Info:` block of describe. */
function versioningLines(info: WorkflowVersioningInfo): string {
  const json = versioningInfoToJson(info);
  return formatKeyValues(
    [
      ['Behavior', json.behavior],
      ['Version', json.version],
      ['Override', info.versioningOverride && describeOverride(info.versioningOverride)],
      ['EffectiveBehavior', json.effectiveBehavior],
      ['PinnedVersion', json.pinnedVersion],
    ],
    '  ',
  );
}

export function descriptionToJson(description: WorkflowExecutionDescription, namespace: string) {
  const task = description.pendingWorkflowTask;
  return {
    ...executionInfoToJson(description),
    namespace,
    binaryChecksum: binaryChecksumOf(description),
    pendingActivities: description.pendingActivities.map((activity) => ({
      activityId: activity.activityId,
      activityType: activity.activityType,
      state: activity.state,
      attempt: activity.attempt,
      lastFailure: activity.lastFailure ? failureToJson(activity.lastFailure) : undefined,
    })),
    pendingWorkflowTask: task && {
      attempt: task.attempt,
      scheduledTime: formatTime(task.scheduledTime),
      lastFailure: task.lastFailure ? failureToJson(task.lastFailure) : undefined,
    },
    parentExecution: description.parentExecution,
    pendingChildren: description.pendingChildren,
  };
}

/** The workflow bundle hash of the last completed workflow task: which code the run last ran on. */
function binaryChecksumOf(description: WorkflowExecutionDescription): string | undefined {
  return description.raw.workflowExecutionInfo?.lastBinaryChecksum || undefined;
}

export function formatDescription(description: WorkflowExecutionDescription, namespace: string): string {
  const parent = description.parentExecution;
  const blocks = [
    'Execution Info:',
    formatKeyValues(
      [
        ['WorkflowId', description.workflowId],
        ['RunId', description.runId],
        ['Type', description.type],
        ['Namespace', namespace],
        ['TaskQueue', description.taskQueue],
        ['Status', description.status.name],
        ['StartTime', formatTime(description.startTime)],
        ['CloseTime', formatTime(description.closeTime)],
        ['HistoryLength', String(description.historyLength)],
        ['Parent', parent && `${parent.workflowId} (run ${parent.runId})`],
        ['BinaryChecksum', binaryChecksumOf(description)],
      ],
      '  ',
    ),
  ];
  if (description.versioningInfo) {
    blocks.push('', 'Versioning Info:', versioningLines(description.versioningInfo));
  }
  const searchAttributes = searchAttributeValues(description.typedSearchAttributes);
  if (Object.keys(searchAttributes).length > 0)
    blocks.push('', 'Search Attributes:', valueLines(searchAttributes));
  if (description.memo && Object.keys(description.memo).length > 0) {
    blocks.push('', 'Memo:', valueLines(description.memo));
  }
  const activities = description.pendingActivities;
  blocks.push('', `Pending Activities: ${activities.length}`);
  if (activities.length > 0) {
    const columns: Column<(typeof activities)[number]>[] = [
      { header: 'ActivityId', value: (a) => a.activityId },
      { header: 'Type', value: (a) => a.activityType },
      { header: 'State', value: (a) => a.state },
      { header: 'Attempt', value: (a) => String(a.attempt) },
      {
        header: 'LastFailure',
        value: (a) => (a.lastFailure ? truncate(formatFailureInline(a.lastFailure), 100) : ''),
      },
    ];
    blocks.push(indent(formatTable(columns, activities)));
  }
  const children = description.pendingChildren;
  if (children.length > 0) {
    const columns: Column<(typeof children)[number]>[] = [
      { header: 'WorkflowId', value: (c) => c.workflowId },
      { header: 'RunId', value: (c) => c.runId },
      { header: 'Type', value: (c) => c.workflowType },
      { header: 'ParentClosePolicy', value: (c) => c.parentClosePolicy },
    ];
    blocks.push('', `Pending Child Workflows: ${children.length}`, indent(formatTable(columns, children)));
  }
  const task = description.pendingWorkflowTask;
  if (task !== undefined) {
    blocks.push(
      '',
      'Pending Workflow Task:',
      formatKeyValues(
        [
          ['Attempt', String(task.attempt)],
          ['ScheduledTime', formatTime(task.scheduledTime)],
          ['LastFailure', task.lastFailure ? formatFailureInline(task.lastFailure) : undefined],
        ],
        '  ',
      ),
    );
  }
  return blocks.join('\n');
}

export const LIST_COLUMNS: Column<WorkflowExecutionInfo>[] = [
  { header: 'Status', value: (w) => w.status.name },
  { header: 'WorkflowId', value: (w) => w.workflowId },
  { header: 'RunId', value: (w) => w.runId },
  { header: 'Type', value: (w) => w.type },
  { header: 'TaskQueue', value: (w) => w.taskQueue },
  { header: 'StartTime', value: (w) => formatTime(w.startTime) ?? '' },
  { header: 'CloseTime', value: (w) => formatTime(w.closeTime) ?? '' },
];

/** The status a failed result stands for, read from the cause as Temporal's client reports it. */
export function statusOfFailure(err: WorkflowFailedError): WorkflowExecutionStatusName {
  if (err.cause instanceof CancelledFailure) return 'CANCELLED';
  if (err.cause instanceof TerminatedFailure) return 'TERMINATED';
  if (err.cause instanceof TimeoutFailure) return 'TIMED_OUT';
  return 'FAILED';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
