/** Migration 0003: worker deployment versioning. Immutable once released: add a new numbered file instead. */
export const sql = `
-- A task goes to the workers of one version ("deployment:buildId"; '' = unversioned workers). pinned
-- tasks keep their version when the routing changes (pinned workflows, sticky queues); the others
-- are re-routed by ramp_bucket (0-99, from the workflow id: V3).
ALTER TABLE tasks ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN ramp_bucket INTEGER NOT NULL DEFAULT 0;
DROP INDEX tasks_by_queue;
CREATE INDEX tasks_by_queue ON tasks (namespace, task_queue, kind, version, id);

-- Routing per deployment (V2): current and ramping build ids ('' = none / unversioned), revision as
-- the conflict token.
CREATE TABLE worker_deployments (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  create_time_ms INTEGER NOT NULL,
  current_build_id TEXT NOT NULL DEFAULT '',
  ramping_build_id TEXT NOT NULL DEFAULT '',
  ramping_percentage REAL NOT NULL DEFAULT 0,
  current_changed_ms INTEGER NOT NULL DEFAULT 0,
  ramping_changed_ms INTEGER NOT NULL DEFAULT 0,
  ramping_percentage_changed_ms INTEGER NOT NULL DEFAULT 0,
  revision INTEGER NOT NULL DEFAULT 0,
  last_modifier_identity TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID;

-- One row per version. open_pinned is the exact count of open workflows pinned to it (V8), changed
-- in the transactions that start, re-pin or close them; drainage_changed_ms is when it last moved
-- between zero and non-zero.
CREATE TABLE worker_deployment_versions (
  namespace TEXT NOT NULL,
  deployment_name TEXT NOT NULL,
  build_id TEXT NOT NULL,
  create_time_ms INTEGER NOT NULL,
  open_pinned INTEGER NOT NULL DEFAULT 0,
  had_pinned INTEGER NOT NULL DEFAULT 0,
  drainage_changed_ms INTEGER NOT NULL DEFAULT 0,
  current_since_ms INTEGER NOT NULL DEFAULT 0,
  ramping_since_ms INTEGER NOT NULL DEFAULT 0,
  first_activation_ms INTEGER NOT NULL DEFAULT 0,
  last_deactivation_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, deployment_name, build_id)
) WITHOUT ROWID;

-- The task queues each version's workers poll (registered on first poll).
CREATE TABLE worker_deployment_task_queues (
  namespace TEXT NOT NULL,
  deployment_name TEXT NOT NULL,
  build_id TEXT NOT NULL,
  task_queue TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (namespace, deployment_name, build_id, task_queue, kind)
) WITHOUT ROWID;
CREATE INDEX worker_deployment_task_queues_by_queue ON worker_deployment_task_queues (namespace, task_queue, kind);

-- Who polled which queue when, with its version ('' for unversioned workers).
CREATE TABLE pollers (
  namespace TEXT NOT NULL,
  task_queue TEXT NOT NULL,
  kind TEXT NOT NULL,
  identity TEXT NOT NULL,
  deployment_name TEXT NOT NULL,
  build_id TEXT NOT NULL,
  last_access_ms INTEGER NOT NULL,
  PRIMARY KEY (namespace, task_queue, kind, identity)
) WITHOUT ROWID;
CREATE INDEX pollers_by_version ON pollers (namespace, deployment_name, build_id);
`;
