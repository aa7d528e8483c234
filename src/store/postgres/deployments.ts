import {
  type DeploymentRow,
  type PollerRow,
  type QueueRow,
  toDeployment,
  toPoller,
  toQueue,
  toVersion,
  type VersionRow,
} from '../deployment-rows.js';
import type {
  DeploymentRecord,
  DeploymentVersionRecord,
  PollerRecord,
  TaskKind,
  TaskRoute,
  VersionTaskQueue,
} from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

/** Worker deployments, their versions, the queues each version polls, and pollers (migration 0003). */

export async function listDeployments(db: Queryable, namespace: string): Promise<DeploymentRecord[]> {
  const result = await runPrepared<DeploymentRow>(
    db,
    'SELECT * FROM worker_deployments WHERE namespace = $1 ORDER BY name',
    [namespace],
  );
  return result.rows.map(toDeployment);
}

export async function getDeployment(
  db: Queryable,
  namespace: string,
  name: string,
): Promise<DeploymentRecord | undefined> {
  const result = await runPrepared<DeploymentRow>(
    db,
    'SELECT * FROM worker_deployments WHERE namespace = $1 AND name = $2',
    [namespace, name],
  );
  const row = result.rows[0];
  return row && toDeployment(row);
}

export async function putDeployment(db: Queryable, record: DeploymentRecord): Promise<void> {
  await runPrepared(
    db,
    `INSERT INTO worker_deployments (namespace, name, create_time_ms, current_build_id, ramping_build_id,
       ramping_percentage, current_changed_ms, ramping_changed_ms, ramping_percentage_changed_ms, revision,
       last_modifier_identity)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (namespace, name) DO UPDATE SET create_time_ms = EXCLUDED.create_time_ms,
       current_build_id = EXCLUDED.current_build_id, ramping_build_id = EXCLUDED.ramping_build_id,
       ramping_percentage = EXCLUDED.ramping_percentage, current_changed_ms = EXCLUDED.current_changed_ms,
       ramping_changed_ms = EXCLUDED.ramping_changed_ms,
       ramping_percentage_changed_ms = EXCLUDED.ramping_percentage_changed_ms, revision = EXCLUDED.revision,
       last_modifier_identity = EXCLUDED.last_modifier_identity`,
    [
      record.namespace,
      record.name,
      record.createTimeMs,
      record.currentBuildId,
      record.rampingBuildId,
      record.rampingPercentage,
      record.currentChangedMs,
      record.rampingChangedMs,
      record.rampingPercentageChangedMs,
      record.revision,
      record.lastModifierIdentity,
    ],
  );
}

export async function deleteDeployment(db: Queryable, namespace: string, name: string): Promise<void> {
  for (const table of ['worker_deployment_versions', 'worker_deployment_task_queues', 'pollers']) {
    await runPrepared(db, `DELETE FROM ${table} WHERE namespace = $1 AND deployment_name = $2`, [
      namespace,
      name,
    ]);
  }
  await runPrepared(db, 'DELETE FROM worker_deployments WHERE namespace = $1 AND name = $2', [
    namespace,
    name,
  ]);
}

export async function listVersions(
  db: Queryable,
  namespace: string,
  deploymentName: string,
): Promise<DeploymentVersionRecord[]> {
  const result = await runPrepared<VersionRow>(
    db,
    `SELECT * FROM worker_deployment_versions WHERE namespace = $1 AND deployment_name = $2
     ORDER BY create_time_ms, build_id`,
    [namespace, deploymentName],
  );
  return result.rows.map(toVersion);
}

export async function getVersion(
  db: Queryable,
  namespace: string,
  deploymentName: string,
  buildId: string,
): Promise<DeploymentVersionRecord | undefined> {
  const result = await runPrepared<VersionRow>(
    db,
    'SELECT * FROM worker_deployment_versions WHERE namespace = $1 AND deployment_name = $2 AND build_id = $3',
    [namespace, deploymentName, buildId],
  );
  const row = result.rows[0];
  return row && toVersion(row);
}

export async function putVersion(db: Queryable, record: DeploymentVersionRecord): Promise<void> {
  await runPrepared(
    db,
    `INSERT INTO worker_deployment_versions (namespace, deployment_name, build_id, create_time_ms,
       drainage_changed_ms, current_since_ms, ramping_since_ms, first_activation_ms, last_deactivation_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (namespace, deployment_name, build_id) DO UPDATE SET
       drainage_changed_ms = EXCLUDED.drainage_changed_ms, current_since_ms = EXCLUDED.current_since_ms,
       ramping_since_ms = EXCLUDED.ramping_since_ms, first_activation_ms = EXCLUDED.first_activation_ms,
       last_deactivation_ms = EXCLUDED.last_deactivation_ms`,
    [
      record.namespace,
      record.deploymentName,
      record.buildId,
      record.createTimeMs,
      record.drainageChangedMs,
      record.currentSinceMs,
      record.rampingSinceMs,
      record.firstActivationMs,
      record.lastDeactivationMs,
    ],
  );
}

export async function deleteVersion(
  db: Queryable,
  namespace: string,
  deploymentName: string,
  buildId: string,
): Promise<void> {
  for (const table of ['worker_deployment_versions', 'worker_deployment_task_queues', 'pollers']) {
    await runPrepared(
      db,
      `DELETE FROM ${table} WHERE namespace = $1 AND deployment_name = $2 AND build_id = $3`,
      [namespace, deploymentName, buildId],
    );
  }
}

/** One statement: the row is created if missing and the count moved atomically (row lock until commit). */
export async function adjustOpenPinned(
  db: Queryable,
  namespace: string,
  deploymentName: string,
  buildId: string,
  delta: number,
  nowMs: number,
): Promise<number> {
  const result = await runPrepared<{ open_pinned: number }>(
    db,
    `INSERT INTO worker_deployment_versions AS v (namespace, deployment_name, build_id, create_time_ms, open_pinned,
       had_pinned, drainage_changed_ms)
     VALUES ($1, $2, $3, $5::bigint, $4::integer, $4::integer > 0,
       CASE WHEN $4::integer <> 0 THEN $5::bigint ELSE 0 END)
     ON CONFLICT (namespace, deployment_name, build_id) DO UPDATE SET
       drainage_changed_ms = CASE WHEN (v.open_pinned = 0) <> (v.open_pinned + $4::integer = 0) THEN $5::bigint
                                  ELSE v.drainage_changed_ms END,
       had_pinned = v.had_pinned OR $4::integer > 0,
       open_pinned = v.open_pinned + $4::integer
     RETURNING open_pinned`,
    [namespace, deploymentName, buildId, delta, nowMs],
  );
  return result.rows[0]?.open_pinned ?? 0;
}

export async function addTaskQueue(db: Queryable, queue: VersionTaskQueue): Promise<void> {
  await runPrepared(
    db,
    `INSERT INTO worker_deployment_task_queues (namespace, deployment_name, build_id, task_queue, kind)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [queue.namespace, queue.deploymentName, queue.buildId, queue.taskQueue, queue.kind],
  );
}

export async function listTaskQueues(
  db: Queryable,
  namespace: string,
  deploymentName: string,
  buildId?: string,
): Promise<VersionTaskQueue[]> {
  const result = await runPrepared<QueueRow>(
    db,
    `SELECT * FROM worker_deployment_task_queues
     WHERE namespace = $1 AND deployment_name = $2 AND ($3::text IS NULL OR build_id = $3)
     ORDER BY build_id, task_queue, kind`,
    [namespace, deploymentName, buildId ?? null],
  );
  return result.rows.map(toQueue);
}

export async function deploymentsOfTaskQueue(
  db: Queryable,
  namespace: string,
  taskQueue: string,
  kind: TaskKind,
): Promise<DeploymentRecord[]> {
  const result = await runPrepared<DeploymentRow>(
    db,
    `SELECT d.* FROM worker_deployments d WHERE d.namespace = $1 AND d.name IN (
       SELECT deployment_name FROM worker_deployment_task_queues
       WHERE namespace = $1 AND task_queue = $2 AND kind = $3)
     ORDER BY d.name FOR SHARE`,
    [namespace, taskQueue, kind],
  );
  return result.rows.map(toDeployment);
}

/** Where moved tasks now wait: each queue, kind and version once, for the other processes' pollers. */
export interface MovedTasks {
  count: number;
  targets: Array<{ taskQueue: string; kind: TaskKind; version: string }>;
}

function movedTasks(rows: Array<{ task_queue: string; kind: TaskKind; version: string }>): MovedTasks {
  const targets = new Map<string, MovedTasks['targets'][number]>();
  for (const row of rows) {
    targets.set(`${row.task_queue}\u0000${row.kind}\u0000${row.version}`, {
      taskQueue: row.task_queue,
      kind: row.kind,
      version: row.version,
    });
  }
  return { count: rows.length, targets: [...targets.values()] };
}

export async function rerouteTasks(
  db: Queryable,
  namespace: string,
  taskQueue: string,
  kind: TaskKind,
  route: TaskRoute,
): Promise<MovedTasks> {
  const percentage = route.ramping === '' ? 0 : route.percentage;
  const result = await runPrepared<{ task_queue: string; kind: TaskKind; version: string }>(
    db,
    `UPDATE tasks SET version = CASE WHEN ramp_bucket < $1 THEN $2 ELSE $3 END
     WHERE namespace = $4 AND task_queue = $5 AND kind = $6 AND NOT pinned
       AND version <> CASE WHEN ramp_bucket < $1 THEN $2 ELSE $3 END
     RETURNING task_queue, kind, version`,
    [percentage, route.ramping, route.current, namespace, taskQueue, kind],
  );
  return movedTasks(result.rows);
}

export async function retargetRunTasks(
  db: Queryable,
  namespace: string,
  runId: string,
  version: string,
  pinned: boolean,
  queue?: { taskQueue: string; kind: TaskKind },
): Promise<MovedTasks> {
  const update = 'UPDATE tasks SET version = $1, pinned = $2 WHERE namespace = $3 AND run_id = $4';
  const result = await runPrepared<{ task_queue: string; kind: TaskKind; version: string }>(
    db,
    queue
      ? `${update} AND task_queue = $5 AND kind = $6 RETURNING task_queue, kind, version`
      : `${update} RETURNING task_queue, kind, version`,
    queue
      ? [version, pinned, namespace, runId, queue.taskQueue, queue.kind]
      : [version, pinned, namespace, runId],
  );
  return movedTasks(result.rows);
}

export async function recordPoller(db: Queryable, poller: PollerRecord): Promise<void> {
  await runPrepared(
    db,
    `INSERT INTO pollers (namespace, task_queue, kind, identity, deployment_name, build_id, last_access_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (namespace, task_queue, kind, identity) DO UPDATE SET deployment_name = EXCLUDED.deployment_name,
       build_id = EXCLUDED.build_id, last_access_ms = EXCLUDED.last_access_ms`,
    [
      poller.namespace,
      poller.taskQueue,
      poller.kind,
      poller.identity,
      poller.deploymentName,
      poller.buildId,
      poller.lastAccessMs,
    ],
  );
}

export async function listPollers(
  db: Queryable,
  namespace: string,
  filter: { sinceMs: number; taskQueue?: string; deploymentName?: string; buildId?: string },
): Promise<PollerRecord[]> {
  const result = await runPrepared<PollerRow>(
    db,
    `SELECT * FROM pollers WHERE namespace = $1 AND last_access_ms >= $2
       AND ($3::text IS NULL OR task_queue = $3) AND ($4::text IS NULL OR deployment_name = $4)
       AND ($5::text IS NULL OR build_id = $5)
     ORDER BY task_queue, kind, identity`,
    [
      namespace,
      filter.sinceMs,
      filter.taskQueue ?? null,
      filter.deploymentName ?? null,
      filter.buildId ?? null,
    ],
  );
  return result.rows.map(toPoller);
}

export async function deletePollers(db: Queryable, namespace: string, identity: string): Promise<void> {
  await runPrepared(db, 'DELETE FROM pollers WHERE namespace = $1 AND identity = $2', [namespace, identity]);
}
