/**
 * Migration 0003: worker deployment versioning (the same port change as SQLite's 0003). Immutable once
 * released: add a new numbered file instead.
 */
export const sql = `
-- A task goes to the workers of one version ("deployment:buildId"; '' = unversioned workers). pinned
-- tasks keep their version when the routing changes; the others are re-routed by ramp_bucket (V3).
ALTER TABLE tasks ADD COLUMN version TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN ramp_bucket INTEGER NOT NULL DEFAULT 0;
DROP INDEX tasks_by_queue;
CREATE INDEX tasks_by_queue ON tasks (namespace, task_queue, kind, version, id);

CREATE TABLE worker_deployments (
  namespace TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  create_time_ms BIGINT NOT NULL,
  current_build_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  ramping_build_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  ramping_percentage DOUBLE PRECISION NOT NULL DEFAULT 0,
  current_changed_ms BIGINT NOT NULL DEFAULT 0,
  ramping_changed_ms BIGINT NOT NULL DEFAULT 0,
  ramping_percentage_changed_ms BIGINT NOT NULL DEFAULT 0,
  revision INTEGER NOT NULL DEFAULT 0,
  last_modifier_identity TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (namespace, name)
);

-- open_pinned: the exact count of open workflows pinned to the version (V8), changed with
-- UPDATE ... SET open_pinned = open_pinned + delta in the transactions that start, re-pin or close them.
CREATE TABLE worker_deployment_versions (
  namespace TEXT COLLATE "C" NOT NULL,
  deployment_name TEXT COLLATE "C" NOT NULL,
  build_id TEXT COLLATE "C" NOT NULL,
  create_time_ms BIGINT NOT NULL,
  open_pinned INTEGER NOT NULL DEFAULT 0,
  had_pinned BOOLEAN NOT NULL DEFAULT false,
  drainage_changed_ms BIGINT NOT NULL DEFAULT 0,
  current_since_ms BIGINT NOT NULL DEFAULT 0,
  ramping_since_ms BIGINT NOT NULL DEFAULT 0,
  first_activation_ms BIGINT NOT NULL DEFAULT 0,
  last_deactivation_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, deployment_name, build_id)
);

CREATE TABLE worker_deployment_task_queues (
  namespace TEXT COLLATE "C" NOT NULL,
  deployment_name TEXT COLLATE "C" NOT NULL,
  build_id TEXT COLLATE "C" NOT NULL,
  task_queue TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (namespace, deployment_name, build_id, task_queue, kind)
);
CREATE INDEX worker_deployment_task_queues_by_queue ON worker_deployment_task_queues (namespace, task_queue, kind);

CREATE TABLE pollers (
  namespace TEXT COLLATE "C" NOT NULL,
  task_queue TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,
  identity TEXT COLLATE "C" NOT NULL,
  deployment_name TEXT COLLATE "C" NOT NULL,
  build_id TEXT COLLATE "C" NOT NULL,
  last_access_ms BIGINT NOT NULL,
  PRIMARY KEY (namespace, task_queue, kind, identity)
);
CREATE INDEX pollers_by_version ON pollers (namespace, deployment_name, build_id);

-- strata_apply_write (0001) with the tasks' version, pinned and ramp_bucket.
DROP FUNCTION strata_apply_write(TEXT, TEXT, INTEGER[], BYTEA[], BOOLEAN, TEXT[], TEXT[], TEXT[], TEXT[], TEXT[],
  INTEGER[], INTEGER[], TEXT[], TEXT[], TEXT[], BIGINT[], TEXT[]);
CREATE FUNCTION strata_apply_write(
  p_namespace TEXT, p_run_id TEXT,
  p_event_ids INTEGER[], p_event_data BYTEA[],
  p_drop BOOLEAN, p_delete_keys TEXT[],
  p_task_namespaces TEXT[], p_task_queues TEXT[], p_task_kinds TEXT[], p_task_run_ids TEXT[],
  p_task_event_ids INTEGER[], p_task_attempts INTEGER[],
  p_task_versions TEXT[], p_task_pinned BOOLEAN[], p_task_buckets INTEGER[],
  p_timer_namespaces TEXT[], p_timer_run_ids TEXT[], p_timer_keys TEXT[], p_timer_due BIGINT[],
  p_timer_payloads TEXT[]
) RETURNS BIGINT[] LANGUAGE plpgsql AS $$
DECLARE
  task_ids BIGINT[] := '{}';
  i INTEGER;
BEGIN
  IF cardinality(p_event_ids) > 0 THEN
    INSERT INTO history_events (namespace, run_id, event_id, data)
    SELECT p_namespace, p_run_id, e.id, e.data FROM unnest(p_event_ids, p_event_data) AS e(id, data);
  END IF;
  IF p_drop THEN
    DELETE FROM tasks WHERE namespace = p_namespace AND run_id = p_run_id;
    DELETE FROM timers WHERE namespace = p_namespace AND run_id = p_run_id;
  END IF;
  IF cardinality(p_delete_keys) > 0 THEN
    DELETE FROM timers WHERE namespace = p_namespace AND run_id = p_run_id AND key = ANY(p_delete_keys);
  END IF;
  IF cardinality(p_task_queues) > 0 THEN
    WITH added AS (
      INSERT INTO tasks (namespace, task_queue, kind, run_id, scheduled_event_id, attempt, version, pinned,
        ramp_bucket)
      SELECT * FROM unnest(p_task_namespaces, p_task_queues, p_task_kinds, p_task_run_ids, p_task_event_ids,
        p_task_attempts, p_task_versions, p_task_pinned, p_task_buckets)
      RETURNING id)
    SELECT array_agg(id ORDER BY id) INTO task_ids FROM added;
  END IF;
  FOR i IN 1 .. coalesce(cardinality(p_timer_keys), 0) LOOP
    INSERT INTO timers (namespace, run_id, key, due_ms, payload)
    VALUES (p_timer_namespaces[i], p_timer_run_ids[i], p_timer_keys[i], p_timer_due[i], p_timer_payloads[i])
    ON CONFLICT (namespace, run_id, key) DO UPDATE
      SET id = DEFAULT, due_ms = EXCLUDED.due_ms, payload = EXCLUDED.payload;
  END LOOP;
  RETURN task_ids;
END
$$;
`;
