/** Migration 0001: the initial schema. Immutable once released: add a new numbered file instead. */
export const sql = `
-- Executions: one row per run. state is the engine's mutable state (JSON), version guards updates.
CREATE TABLE executions (
  namespace TEXT NOT NULL,
  run_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  workflow_type TEXT NOT NULL,
  task_queue TEXT NOT NULL,
  status INTEGER NOT NULL,
  start_time_ms INTEGER NOT NULL,
  close_time_ms INTEGER NOT NULL DEFAULT 0,
  history_length INTEGER NOT NULL,
  busy INTEGER NOT NULL,
  start_request_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (namespace, run_id)
);

-- One running execution per workflow id, enforced by the database.
CREATE UNIQUE INDEX executions_running ON executions (namespace, workflow_id) WHERE status = 1;
CREATE INDEX executions_by_workflow_id ON executions (namespace, workflow_id, start_time_ms);
CREATE INDEX executions_by_start_time ON executions (namespace, start_time_ms DESC, run_id DESC);
CREATE INDEX executions_busy ON executions (busy) WHERE busy = 1 AND status = 1;

-- Event blobs are protobuf-encoded HistoryEvent messages.
CREATE TABLE history_events (
  namespace TEXT NOT NULL,
  run_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (namespace, run_id, event_id)
) WITHOUT ROWID;

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  namespace TEXT NOT NULL,
  task_queue TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT NOT NULL,
  scheduled_event_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL
);
CREATE INDEX tasks_by_queue ON tasks (namespace, task_queue, kind, id);
CREATE INDEX tasks_by_run ON tasks (namespace, run_id);

CREATE TABLE timers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  namespace TEXT NOT NULL,
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  due_ms INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE UNIQUE INDEX timers_by_key ON timers (namespace, run_id, key);
CREATE INDEX timers_by_due ON timers (due_ms);
`;
