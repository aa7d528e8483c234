/**
 * The seam between the worker's polling loop and the workflow side of the worker (bundle, sandbox, cache,
 * replayer). The loop hands each polled workflow task to a {@link WorkflowTaskProcessor} and sends back
 * what it returns; everything about running workflow code lives behind this interface.
 */
import type { VersioningBehavior } from '../common/versioning.js';
import type { Command } from '../gen/strata/v1/command_pb.js';
import type { Failure, Payloads } from '../gen/strata/v1/common_pb.js';
import type { HistoryEvent, WorkflowTaskFailedCause } from '../gen/strata/v1/history_pb.js';
import type { PollWorkflowTaskQueueResponse } from '../gen/strata/v1/service_pb.js';

export type WorkflowTaskResult =
  /** Commands to send with RespondWorkflowTaskCompleted. */
  | { kind: 'completed'; commands: Command[] }
  /** Send RespondWorkflowTaskFailed (e.g. a non-determinism error); the run is evicted from the cache. */
  | { kind: 'failed'; cause: WorkflowTaskFailedCause; failure: Failure }
  /** The answer to a query task (`task.query` set): send RespondQueryTaskCompleted. */
  | { kind: 'query'; result: Payloads }
  | { kind: 'queryFailed'; failure: Failure };

/** Fetches a run's whole history (all pages), used when a task carries only part of it and the run is not cached. */
export type HistoryFetcher = (workflowId: string, runId: string) => Promise<HistoryEvent[]>;

export interface WorkflowTaskProcessor {
  /** Content hash of the workflow bundle, sent as binary_checksum with every completion. */
  readonly bundleHash: string;
  /** The workflow types the bundle exports. */
  readonly workflowTypes: readonly string[];
  /** The versioning behavior each workflow type declared with `setWorkflowOptions`, by type. */
  readonly versioningBehaviors: Readonly<Record<string, VersioningBehavior>>;
  /** Number of runs held in the cache now. */
  readonly cachedRuns: number;
  /**
   * Runs one workflow or query task. Never throws for workflow-code problems: those become a `failed`
   * or `queryFailed` result. Tasks of one run are never processed concurrently (the processor serialises them).
   */
  process(task: PollWorkflowTaskQueueResponse, fetchHistory: HistoryFetcher): Promise<WorkflowTaskResult>;
  /** Drops one run from the cache (e.g. after the server rejected its completion). */
  evict(runId: string): void;
  /** Releases every cached run and the sandbox. */
  close(): Promise<void>;
}
