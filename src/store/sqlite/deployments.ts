import type Database from 'better-sqlite3';
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
  VersionTaskQueue,
} from '../store.js';

/** Worker deployments, their versions, the queues each version polls, and pollers (migration 0003). */
export class DeploymentTables {
  /** Read at every task write (routing), so prepared once. */
  private readonly deploymentsOfQueueStmt: Database.Statement<[string, string, string], DeploymentRow>;

  constructor(private readonly db: Database.Database) {
    this.deploymentsOfQueueStmt = db.prepare(
      `SELECT d.* FROM worker_deployments d WHERE d.namespace = ? AND d.name IN (
         SELECT deployment_name FROM worker_deployment_task_queues
         WHERE namespace = d.namespace AND task_queue = ? AND kind = ?)
       ORDER BY d.name`,
    );
  }

  listDeployments(namespace: string): DeploymentRecord[] {
    return this.db
      .prepare<[string], DeploymentRow>('SELECT * FROM worker_deployments WHERE namespace = ? ORDER BY name')
      .all(namespace)
      .map(toDeployment);
  }

  getDeployment(namespace: string, name: string): DeploymentRecord | undefined {
    const row = this.db
      .prepare<[string, string], DeploymentRow>(
        'SELECT * FROM worker_deployments WHERE namespace = ? AND name = ?',
      )
      .get(namespace, name);
    return row && toDeployment(row);
  }

  putDeployment(record: DeploymentRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO worker_deployments (namespace, name, create_time_ms, current_build_id,
           ramping_build_id, ramping_percentage, current_changed_ms, ramping_changed_ms,
           ramping_percentage_changed_ms, revision, last_modifier_identity)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
  }

  deleteDeployment(namespace: string, name: string): void {
    for (const table of ['worker_deployment_versions', 'worker_deployment_task_queues', 'pollers']) {
      this.db
        .prepare(`DELETE FROM ${table} WHERE namespace = ? AND deployment_name = ?`)
        .run(namespace, name);
    }
    this.db.prepare('DELETE FROM worker_deployments WHERE namespace = ? AND name = ?').run(namespace, name);
  }

  listVersions(namespace: string, deploymentName: string): DeploymentVersionRecord[] {
    return this.db
      .prepare<[string, string], VersionRow>(
        'SELECT * FROM worker_deployment_versions WHERE namespace = ? AND deployment_name = ? ORDER BY create_time_ms, build_id',
      )
      .all(namespace, deploymentName)
      .map(toVersion);
  }

  getVersion(
    namespace: string,
    deploymentName: string,
    buildId: string,
  ): DeploymentVersionRecord | undefined {
    const row = this.db
      .prepare<[string, string, string], VersionRow>(
        'SELECT * FROM worker_deployment_versions WHERE namespace = ? AND deployment_name = ? AND build_id = ?',
      )
      .get(namespace, deploymentName, buildId);
    return row && toVersion(row);
  }

  putVersion(record: DeploymentVersionRecord): void {
    this.db
      .prepare(
        `INSERT INTO worker_deployment_versions (namespace, deployment_name, build_id, create_time_ms,
           drainage_changed_ms, current_since_ms, ramping_since_ms, first_activation_ms, last_deactivation_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, deployment_name, build_id) DO UPDATE SET
           drainage_changed_ms = excluded.drainage_changed_ms, current_since_ms = excluded.current_since_ms,
           ramping_since_ms = excluded.ramping_since_ms, first_activation_ms = excluded.first_activation_ms,
           last_deactivation_ms = excluded.last_deactivation_ms`,
      )
      .run(
        record.namespace,
        record.deploymentName,
        record.buildId,
        record.createTimeMs,
        record.drainageChangedMs,
        record.currentSinceMs,
        record.rampingSinceMs,
        record.firstActivationMs,
        record.lastDeactivationMs,
      );
  }

  deleteVersion(namespace: string, deploymentName: string, buildId: string): void {
    for (const table of ['worker_deployment_versions', 'worker_deployment_task_queues', 'pollers']) {
      this.db
        .prepare(`DELETE FROM ${table} WHERE namespace = ? AND deployment_name = ? AND build_id = ?`)
        .run(namespace, deploymentName, buildId);
    }
  }

  adjustOpenPinned(
    namespace: string,
    deploymentName: string,
    buildId: string,
    delta: number,
    nowMs: number,
  ): number {
    this.db
      .prepare(
        `INSERT INTO worker_deployment_versions (namespace, deployment_name, build_id, create_time_ms)
         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(namespace, deploymentName, buildId, nowMs);
    const row = this.db
      .prepare<[number, number, number, number, string, string, string], { open_pinned: number }>(
        `UPDATE worker_deployment_versions SET
           drainage_changed_ms = CASE WHEN (open_pinned = 0) <> (open_pinned + ? = 0) THEN ? ELSE drainage_changed_ms END,
           had_pinned = CASE WHEN ? > 0 THEN 1 ELSE had_pinned END,
           open_pinned = open_pinned + ?
         WHERE namespace = ? AND deployment_name = ? AND build_id = ?
         RETURNING open_pinned`,
      )
      .get(delta, nowMs, delta, delta, namespace, deploymentName, buildId);
    return row?.open_pinned ?? 0;
  }

  addTaskQueue(queue: VersionTaskQueue): void {
    this.db
      .prepare(
        `INSERT INTO worker_deployment_task_queues (namespace, deployment_name, build_id, task_queue, kind)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(queue.namespace, queue.deploymentName, queue.buildId, queue.taskQueue, queue.kind);
  }

  listTaskQueues(namespace: string, deploymentName: string, buildId?: string): VersionTaskQueue[] {
    const rows =
      buildId === undefined
        ? this.db
            .prepare<[string, string], QueueRow>(
              `SELECT * FROM worker_deployment_task_queues WHERE namespace = ? AND deployment_name = ?
               ORDER BY build_id, task_queue, kind`,
            )
            .all(namespace, deploymentName)
        : this.db
            .prepare<[string, string, string], QueueRow>(
              `SELECT * FROM worker_deployment_task_queues WHERE namespace = ? AND deployment_name = ? AND build_id = ?
               ORDER BY task_queue, kind`,
            )
            .all(namespace, deploymentName, buildId);
    return rows.map(toQueue);
  }

  deploymentsOfTaskQueue(namespace: string, taskQueue: string, kind: TaskKind): DeploymentRecord[] {
    return this.deploymentsOfQueueStmt.all(namespace, taskQueue, kind).map(toDeployment);
  }

  recordPoller(poller: PollerRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO pollers (namespace, task_queue, kind, identity, deployment_name, build_id, last_access_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        poller.namespace,
        poller.taskQueue,
        poller.kind,
        poller.identity,
        poller.deploymentName,
        poller.buildId,
        poller.lastAccessMs,
      );
  }

  listPollers(
    namespace: string,
    filter: { sinceMs: number; taskQueue?: string; deploymentName?: string; buildId?: string },
  ): PollerRecord[] {
    const conditions = ['namespace = @namespace', 'last_access_ms >= @sinceMs'];
    if (filter.taskQueue !== undefined) conditions.push('task_queue = @taskQueue');
    if (filter.deploymentName !== undefined) conditions.push('deployment_name = @deploymentName');
    if (filter.buildId !== undefined) conditions.push('build_id = @buildId');
    return this.db
      .prepare<[Record<string, string | number>], PollerRow>(
        `SELECT * FROM pollers WHERE ${conditions.join(' AND ')} ORDER BY task_queue, kind, identity`,
      )
      .all({ namespace, ...filter })
      .map(toPoller);
  }

  deletePollers(namespace: string, identity: string): void {
    this.db.prepare('DELETE FROM pollers WHERE namespace = ? AND identity = ?').run(namespace, identity);
  }
}
