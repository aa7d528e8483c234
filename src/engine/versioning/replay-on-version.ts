/**
 * ReplayWorkflowsOnVersion: the workers of one version replay the histories of chosen executions with
 * their own code, to prove before moving workflows to the version (a patch build, a promotion) that it
 * can continue them. Each replay is an in-memory query of a reserved type handed to a poller of that
 * version on the workflow's task queue (`Queries.askVersion`); nothing is recorded and no worker cache
 * is touched. The version must have live pollers on every queue involved, or the call fails at once.
 */
import { create } from '@bufbuild/protobuf';
import { payloadsToValues } from '../../common/payload-proto.js';
import { parseVersionReplayAnswer, VERSION_REPLAY_QUERY_TYPE } from '../../common/version-replay.js';
import { formatVersion, versionProblem } from '../../common/versioning.js';
import {
  type ReplayWorkflowsOnVersionRequest,
  type ReplayWorkflowsOnVersionResponse,
  ReplayWorkflowsOnVersionResponseSchema,
  type WorkflowReplayResult,
  WorkflowReplayResultSchema,
} from '../../gen/strata/v1/replay_pb.js';
import { WorkflowQuerySchema } from '../../gen/strata/v1/service_pb.js';
import type { ExecutionRecord } from '../../store/store.js';
import { runningOnly } from '../batch/batch-runner.js';
import { type EngineCore, parseState } from '../engine-core.js';
import { EngineError, invalidArgument } from '../errors.js';
import type { Queries } from '../query-api.js';
import { parseQuery } from '../read-api.js';
import { versionNotFound } from './deployment-errors.js';
import { pollerLivenessMs } from './pollers.js';

/** With a query, at most this many executions unless the request says otherwise. */
const defaultMaxExecutions = 10_000;
/** Replays in flight at once (each one occupies a workflow task slot of a worker of the version). */
const concurrency = 4;
const listPageSize = 500;

export async function replayWorkflowsOnVersion(
  core: EngineCore,
  queries: Queries,
  request: ReplayWorkflowsOnVersionRequest,
  signal?: AbortSignal,
): Promise<ReplayWorkflowsOnVersionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const version = {
    deploymentName: request.version?.deploymentName ?? '',
    buildId: request.version?.buildId ?? '',
  };
  const problem = versionProblem(version);
  if (problem) throw invalidArgument(`version: ${problem}`);
  const versionText = formatVersion(version);
  const records = await chooseExecutions(core, namespace, request);
  const polled = await core.store.transaction(async (tx) => {
    if (!(await tx.getDeploymentVersion(namespace, version.deploymentName, version.buildId))) {
      throw versionNotFound(namespace, version);
    }
    const pollers = await tx.listPollers(namespace, {
      sinceMs: core.clock.nowMs() - pollerLivenessMs,
      deploymentName: version.deploymentName,
      buildId: version.buildId,
    });
    return new Set(pollers.filter((p) => p.kind === 'workflow').map((p) => p.taskQueue));
  });
  const targets = records.map((record) => ({ record, taskQueue: parseState(record).taskQueue }));
  const unpolled = [...new Set(targets.map((t) => t.taskQueue).filter((queue) => !polled.has(queue)))];
  if (unpolled.length > 0) {
    throw new EngineError({
      code: 'NO_POLLERS',
      kind: 'failed_precondition',
      message: `version "${versionText}" has no workers polling workflow task queue${unpolled.length > 1 ? 's' : ''} ${unpolled.map((q) => `"${q}"`).join(', ')}, so it cannot replay the workflows there; start the version's workers (they must poll those queues) and retry`,
    });
  }
  const results: WorkflowReplayResult[] = new Array(targets.length);
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      results[index] = await replayOne(
        queries,
        namespace,
        versionText,
        target.record,
        target.taskQueue,
        signal,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, work));
  return create(ReplayWorkflowsOnVersionResponseSchema, { results });
}

async function chooseExecutions(
  core: EngineCore,
  namespace: string,
  request: ReplayWorkflowsOnVersionRequest,
): Promise<ExecutionRecord[]> {
  const byQuery = request.query.trim() !== '';
  if (byQuery === request.executions.length > 0) {
    throw invalidArgument(
      byQuery
        ? 'give either executions or query, not both'
        : 'executions or query is required: the workflows to replay (a list, or a visibility query such as WorkerDeploymentVersion = "my-worker/prod:v1.2.0")',
    );
  }
  if (!byQuery) {
    return Promise.all(
      request.executions.map((execution) =>
        core.resolveRun(core.store, namespace, execution.workflowId, execution.runId),
      ),
    );
  }
  const max = request.maxExecutions > 0 ? request.maxExecutions : defaultMaxExecutions;
  const { filter, order } = await parseQuery(core, namespace, request.query);
  const records: ExecutionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await core.store.listExecutions(namespace, runningOnly(filter), listPageSize, cursor, order);
    records.push(...page.records);
    if (records.length > max) {
      throw invalidArgument(
        `the query matches more than ${max} running executions; narrow it, or raise max_executions`,
      );
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return records;
}

async function replayOne(
  queries: Queries,
  namespace: string,
  version: string,
  record: ExecutionRecord,
  taskQueue: string,
  signal: AbortSignal | undefined,
): Promise<WorkflowReplayResult> {
  const base = {
    execution: { workflowId: record.workflowId, runId: record.runId },
    workflowType: record.workflowType,
    taskQueue,
  };
  try {
    const response = await queries.askVersion(
      { namespace, workflowId: record.workflowId, runId: record.runId, taskQueue, version },
      create(WorkflowQuerySchema, { queryType: VERSION_REPLAY_QUERY_TYPE }),
      signal,
    );
    const answer = parseVersionReplayAnswer(payloadsToValues(response.queryResult)[0]);
    if (!answer) {
      return create(WorkflowReplayResultSchema, {
        ...base,
        errorType: 'ReplayError',
        message: `[REPLAY] the worker of version "${version}" does not know how to replay for the server; upgrade its Strata worker`,
      });
    }
    if (answer.ok)
      return create(WorkflowReplayResultSchema, { ...base, ok: true, workerIdentity: answer.identity });
    return create(WorkflowReplayResultSchema, {
      ...base,
      errorType: answer.errorType,
      message: answer.message,
      eventId: answer.eventId ?? 0,
      workerIdentity: answer.identity,
    });
  } catch (error) {
    if (!(error instanceof EngineError) || error.kind === 'internal') throw error;
    return create(WorkflowReplayResultSchema, { ...base, errorType: error.code, message: error.message });
  }
}
