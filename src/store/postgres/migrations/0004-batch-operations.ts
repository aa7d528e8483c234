/**
 * Migration 0004 (PostgreSQL): durable batch operations, as SQLite's 0004. Immutable once released.
 */
export const sql = `
-- One row per batch: the encoded request, its state and counters, how far choosing its executions got,
-- and the lease of the server process running it (owner, lease_expires_ms).
CREATE TABLE batch_operations (
  namespace TEXT COLLATE "C" NOT NULL,
  job_id TEXT COLLATE "C" NOT NULL,
  operation_type INTEGER NOT NULL,
  request BYTEA NOT NULL,
  state INTEGER NOT NULL,
  start_time_ms DOUBLE PRECISION NOT NULL,
  close_time_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
  close_reason TEXT NOT NULL DEFAULT '',
  total_count INTEGER NOT NULL DEFAULT 0,
  completed_count INTEGER NOT NULL DEFAULT 0,
  failed_count INTEGER NOT NULL DEFAULT 0,
  list_cursor TEXT NOT NULL DEFAULT '',
  listed BOOLEAN NOT NULL DEFAULT FALSE,
  owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, job_id)
);
CREATE INDEX batch_operations_by_start ON batch_operations (namespace, start_time_ms DESC, job_id DESC);
CREATE INDEX batch_operations_running ON batch_operations (lease_expires_ms) WHERE state = 1;

-- The executions a batch chose, in order (seq), each pending (0), completed (1) or failed (2). The
-- outcome is written in the transaction that changes the execution, so none is changed twice.
CREATE TABLE batch_operation_items (
  namespace TEXT COLLATE "C" NOT NULL,
  job_id TEXT COLLATE "C" NOT NULL,
  seq INTEGER NOT NULL,
  workflow_id TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (namespace, job_id, seq)
);
CREATE INDEX batch_operation_items_by_state ON batch_operation_items (namespace, job_id, state, seq);
CREATE UNIQUE INDEX batch_operation_items_by_run ON batch_operation_items (namespace, job_id, workflow_id, run_id);
`;
