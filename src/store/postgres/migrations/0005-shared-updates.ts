/**
 * Migration 0005 (PostgreSQL): workflow updates shared between server processes, as SQLite's 0005 (which
 * needs no table: one process holds its updates in memory). Immutable once released.
 */
export const sql = `
-- Updates admitted by any server process and not accepted yet: whichever server hands the run's next
-- workflow task to a worker delivers them. A row goes when the workflow accepts its update (the
-- Accepted event is then the record); a rejection is kept a minute for the callers waiting elsewhere.
CREATE TABLE shared_updates (
  namespace TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL,
  update_id TEXT COLLATE "C" NOT NULL,
  request BYTEA NOT NULL,
  admitted_ms BIGINT NOT NULL,
  rejection BYTEA,
  rejected_ms BIGINT,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (namespace, run_id, update_id)
);
CREATE INDEX shared_updates_by_rejection ON shared_updates (rejected_ms) WHERE rejected_ms IS NOT NULL;

-- Runs that need a speculative workflow task to deliver their updates, one at most per run: a poller of
-- task_queue on any server claims it and holds it (claimed_by, until deadline_ms) while its worker answers.
CREATE TABLE shared_update_tasks (
  namespace TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  task_queue TEXT COLLATE "C" NOT NULL,
  claimed_by TEXT,
  deadline_ms BIGINT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (namespace, run_id)
);
CREATE INDEX shared_update_tasks_open ON shared_update_tasks (namespace, task_queue, seq) WHERE claimed_by IS NULL;
`;
