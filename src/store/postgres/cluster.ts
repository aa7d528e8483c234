import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ClusterEvent, SharedQuery, SharedUpdate, StoreCluster, UpdateTaskOffer } from '../cluster.js';
import type { Queryable } from './queryable.js';

/** The one NOTIFY channel of a Strata database; every server process listens on it. */
export const notifyChannel = 'strata';

// NOTIFY payloads must stay under 8000 bytes; bigger batches go out in several notifications.
const maxPayloadChars = 7000;

/** What the store logs: the engine's logger fits. */
export interface StoreLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Splits events into NOTIFY payloads `{"o": origin, "e": [...]}` that fit the size limit. */
export function notifyPayloads(origin: string, events: ClusterEvent[]): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const event of events) {
    const text = JSON.stringify(event);
    if (batch.length > 0 && size + text.length > maxPayloadChars) {
      payloads.push(`{"o":${JSON.stringify(origin)},"e":[${batch.join(',')}]}`);
      batch = [];
      size = 0;
    }
    batch.push(text);
    size += text.length + 1;
  }
  if (batch.length > 0) payloads.push(`{"o":${JSON.stringify(origin)},"e":[${batch.join(',')}]}`);
  return payloads;
}

interface SharedQueryRow {
  id: string;
  namespace: string;
  task_queue: string;
  run_id: string;
  query: Buffer;
  deadline_ms: number;
}

const firstReconnectDelayMs = 100;
const maxReconnectDelayMs = 2_000;
// Rows of origins that died without cleaning up go once they are this far past their deadline.
const abandonedQueryGraceMs = 60_000;
// A rejection stays this long for the callers waiting on other servers, then goes.
const rejectionKeptMs = 60_000;

/**
 * LISTEN/NOTIFY between the server processes sharing one database, plus the shared query table. One
 * dedicated connection listens; when it is lost it reconnects with backoff and reports `resync`, since
 * notifications sent meanwhile are gone. Each process ignores its own notifications: it has already
 * acted on them in memory.
 */
export class PostgresCluster implements StoreCluster {
  /** Tags this process's notifications. */
  readonly origin = randomUUID();
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  private listener: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = firstReconnectDelayMs;
  private closed = false;

  constructor(
    private readonly db: Queryable,
    private readonly connectionConfig: pg.ClientConfig,
    private readonly log: StoreLog,
  ) {}

  /** Starts listening; fails if the database cannot be reached. */
  async start(): Promise<void> {
    this.listener = await this.listen();
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async enqueueQuery(query: SharedQuery): Promise<void> {
    await this.db.query('DELETE FROM shared_queries WHERE deadline_ms < $1', [
      query.deadlineMs - abandonedQueryGraceMs,
    ]);
    const [payload] = notifyPayloads(this.origin, [
      { type: 'query', namespace: query.namespace, taskQueue: query.taskQueue },
    ]);
    await this.db.query(
      `WITH added AS (
         INSERT INTO shared_queries (id, namespace, task_queue, run_id, query, deadline_ms, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING 1)
       SELECT pg_notify($8, $9) FROM added`,
      [
        query.id,
        query.namespace,
        query.taskQueue,
        query.runId,
        query.query,
        query.deadlineMs,
        this.origin,
        notifyChannel,
        payload,
      ],
    );
  }

  async claimQuery(namespace: string, taskQueue: string, nowMs: number): Promise<SharedQuery | undefined> {
    const result = await this.db.query<SharedQueryRow>(
      `UPDATE shared_queries SET claimed = true WHERE id = (
         SELECT id FROM shared_queries
         WHERE namespace = $1 AND task_queue = $2 AND NOT claimed AND deadline_ms > $3
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, namespace, task_queue, run_id, query, deadline_ms`,
      [namespace, taskQueue, nowMs],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      namespace: row.namespace,
      taskQueue: row.task_queue,
      runId: row.run_id,
      query: row.query,
      deadlineMs: row.deadline_ms,
    };
  }

  async answerQuery(id: string, answer: Uint8Array): Promise<boolean> {
    const [payload] = notifyPayloads(this.origin, [{ type: 'answer', queryId: id }]);
    const result = await this.db.query(
      `WITH answered AS (
         UPDATE shared_queries SET answer = $2 WHERE id = $1 AND claimed AND answer IS NULL RETURNING 1)
       SELECT pg_notify($3, $4) FROM answered`,
      [id, answer, notifyChannel, payload],
    );
    return result.rowCount === 1;
  }

  async readAnswer(id: string): Promise<Uint8Array | undefined> {
    const result = await this.db.query<{ answer: Buffer | null }>(
      'SELECT answer FROM shared_queries WHERE id = $1 AND origin = $2',
      [id, this.origin],
    );
    return result.rows[0]?.answer ?? undefined;
  }

  async dropQuery(id: string): Promise<void> {
    await this.db.query('DELETE FROM shared_queries WHERE id = $1', [id]);
  }

  async shareUpdate(namespace: string, runId: string, updateId: string, request: Uint8Array): Promise<void> {
    const nowMs = Date.now();
    // Rejections past their minute, and what runs closed without a server dispatching them again left.
    await this.db.query(
      `WITH offers AS (
         DELETE FROM shared_update_tasks t WHERE NOT EXISTS (
           SELECT 1 FROM executions e WHERE e.namespace = t.namespace AND e.run_id = t.run_id AND e.status = 1))
       DELETE FROM shared_updates s WHERE s.rejected_ms < $1 OR NOT EXISTS (
         SELECT 1 FROM executions e WHERE e.namespace = s.namespace AND e.run_id = s.run_id AND e.status = 1)`,
      [nowMs - rejectionKeptMs],
    );
    await this.db.query(
      `WITH added AS (
         INSERT INTO shared_updates (namespace, run_id, update_id, request, admitted_ms)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (namespace, run_id, update_id) DO UPDATE
           SET request = excluded.request, admitted_ms = excluded.admitted_ms, rejection = NULL, rejected_ms = NULL
           WHERE shared_updates.rejection IS NOT NULL
         RETURNING 1)
       SELECT pg_notify($6, $7) FROM added`,
      [namespace, runId, updateId, request, nowMs, notifyChannel, this.updatesPayload(namespace, runId)],
    );
  }

  async runUpdates(namespace: string, runId: string): Promise<SharedUpdate[]> {
    const result = await this.db.query<{ update_id: string; request: Buffer; rejection: Buffer | null }>(
      `SELECT update_id, request, rejection FROM shared_updates
       WHERE namespace = $1 AND run_id = $2 ORDER BY seq`,
      [namespace, runId],
    );
    return result.rows.map((row) => ({
      updateId: row.update_id,
      request: row.request,
      rejection: row.rejection ?? undefined,
    }));
  }

  async settleUpdates(
    namespace: string,
    runId: string,
    accepted: readonly string[],
    rejected: ReadonlyArray<{ updateId: string; failure: Uint8Array }>,
  ): Promise<void> {
    await this.db.query(
      `WITH accepted AS (
         DELETE FROM shared_updates WHERE namespace = $1 AND run_id = $2 AND update_id = ANY($3::text[])),
       rejected AS (
         UPDATE shared_updates s SET rejection = r.failure, rejected_ms = $6
         FROM unnest($4::text[], $5::bytea[]) AS r(update_id, failure)
         WHERE s.namespace = $1 AND s.run_id = $2 AND s.update_id = r.update_id)
       SELECT pg_notify($7, $8)`,
      [
        namespace,
        runId,
        accepted,
        rejected.map((r) => r.updateId),
        rejected.map((r) => Buffer.from(r.failure)),
        Date.now(),
        notifyChannel,
        this.updatesPayload(namespace, runId),
      ],
    );
  }

  async forgetRunUpdates(namespace: string, runId: string): Promise<void> {
    await this.db.query(
      `WITH offers AS (DELETE FROM shared_update_tasks WHERE namespace = $1 AND run_id = $2)
       DELETE FROM shared_updates WHERE namespace = $1 AND run_id = $2`,
      [namespace, runId],
    );
  }

  async offerUpdateTask(
    namespace: string,
    runId: string,
    taskQueue: string,
    holdMs?: number,
  ): Promise<string | undefined> {
    const nowMs = Date.now();
    const id = randomUUID();
    const claimedBy = holdMs === undefined ? null : this.origin;
    const offer = `INSERT INTO shared_update_tasks (namespace, run_id, id, task_queue, claimed_by, deadline_ms)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (namespace, run_id) DO UPDATE
         SET id = excluded.id, task_queue = excluded.task_queue, claimed_by = excluded.claimed_by,
           deadline_ms = excluded.deadline_ms
         WHERE shared_update_tasks.claimed_by IS NULL OR shared_update_tasks.claimed_by = $7
           OR shared_update_tasks.deadline_ms < $8
       RETURNING 1`;
    const values = [namespace, runId, id, taskQueue, claimedBy, nowMs + (holdMs ?? 0), this.origin, nowMs];
    if (holdMs !== undefined) return (await this.db.query(offer, values)).rowCount === 1 ? id : undefined;
    const [payload] = notifyPayloads(this.origin, [{ type: 'updateTask', namespace, taskQueue }]);
    const result = await this.db.query(`WITH offered AS (${offer}) SELECT pg_notify($9, $10) FROM offered`, [
      ...values,
      notifyChannel,
      payload,
    ]);
    return result.rowCount === 1 ? id : undefined;
  }

  async claimUpdateTask(
    namespace: string,
    taskQueue: string,
    holdMs: number,
  ): Promise<UpdateTaskOffer | undefined> {
    const result = await this.db.query<{ id: string; run_id: string }>(
      `UPDATE shared_update_tasks SET claimed_by = $3, deadline_ms = $4
       WHERE (namespace, run_id) = (
         SELECT namespace, run_id FROM shared_update_tasks
         WHERE namespace = $1 AND task_queue = $2 AND claimed_by IS NULL
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, run_id`,
      [namespace, taskQueue, this.origin, Date.now() + holdMs],
    );
    const row = result.rows[0];
    return row && { id: row.id, runId: row.run_id };
  }

  async releaseUpdateTask(namespace: string, runId: string, id: string): Promise<void> {
    await this.db.query('DELETE FROM shared_update_tasks WHERE namespace = $1 AND run_id = $2 AND id = $3', [
      namespace,
      runId,
      id,
    ]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private updatesPayload(namespace: string, runId: string): string {
    const [payload] = notifyPayloads(this.origin, [{ type: 'updates', namespace, runId }]);
    return payload ?? '';
  }

  private async listen(): Promise<pg.Client> {
    const client = new pg.Client(this.connectionConfig);
    // Until 'error' is handled, a lost connection would crash the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${notifyChannel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private lost(client: pg.Client): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    this.log.warn('lost the PostgreSQL notification connection; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, maxReconnectDelayMs);
  }

  private async reconnect(): Promise<void> {
    let client: pg.Client;
    try {
      client = await this.listen();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.reconnectDelayMs = firstReconnectDelayMs;
    this.log.info('the PostgreSQL notification connection is back');
    this.emit({ type: 'resync' });
  }

  private onNotification(payload: string | undefined): void {
    if (!payload) return;
    let parsed: { o: string; e: ClusterEvent[] };
    try {
      parsed = JSON.parse(payload) as { o: string; e: ClusterEvent[] };
    } catch {
      this.log.warn('ignored a malformed notification', { payload: payload.slice(0, 200) });
      return;
    }
    if (parsed.o === this.origin) return;
    for (const event of parsed.e) this.emit(event);
  }

  private emit(event: ClusterEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
