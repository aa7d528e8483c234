/** Migration 0004: durable batch operations. Immutable once released: add a new numbered file instead. */
export const sql = `
-- One row per batch: the encoded request, its state and counters, how far choosing its executions got,
-- and the lease of the server process running it.
CREATE TABLE batch_operations (
  namespace TEXT NOT NULL,
  job_id TEXT NOT NULL,
  operation_type INTEGER NOT NULL,
  request BLOB NOT NULL,
  state INTEGER NOT NULL,
  start_time_ms REAL NOT NULL,
  close_time_ms REAL NOT NULL DEFAULT 0,
  close_reason TEXT NOT NULL DEFAULT '',
  total_count INTEGER NOT NULL DEFAULT 0,
  completed_count INTEGER NOT NULL DEFAULT 0,
  failed_count INTEGER NOT NULL DEFAULT 0,
  list_cursor TEXT NOT NULL DEFAULT '',
  listed INTEGER NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, job_id)
);
CREATE INDEX batch_operations_by_start ON batch_operations (namespace, start_time_ms, job_id);
CREATE INDEX batch_operations_running ON batch_operations (state, lease_expires_ms);

-- The executions a batch chose, in order (seq), each pending (0), completed (1) or failed (2). The
-- outcome is written in the transaction that changes the execution, so none is changed twice.
CREATE TABLE batch_operation_items (
  namespace TEXT NOT NULL,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  workflow_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (namespace, job_id, seq)
) WITHOUT ROWID;
CREATE INDEX batch_operation_items_by_state ON batch_operation_items (namespace, job_id, state, seq);
CREATE UNIQUE INDEX batch_operation_items_by_run ON batch_operation_items (namespace, job_id, workflow_id, run_id);
`;
