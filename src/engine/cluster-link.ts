import type { ClusterEvent, StoreCluster } from '../store/cluster.js';
import { type EngineCore, runKey } from './engine-core.js';
import { queueChannel } from './matching.js';
import type { Queries } from './query-api.js';

/**
 * Acts in this process on what other server processes sharing the database committed: a queued task
 * wakes a poll of its queue, a closed run wakes its result waiters, a shared query wakes pollers of
 * its queue, an answer settles the query it belongs to, a change of a run's updates wakes the callers
 * waiting on them, an update task offer wakes pollers of its queue. After a `resync` (notifications may
 * have been lost) every waiting poll and waiter looks at the store again. Returns the unsubscribe.
 */
export function linkCluster(core: EngineCore, cluster: StoreCluster, queries: Queries): () => void {
  return cluster.subscribe((event: ClusterEvent) => {
    switch (event.type) {
      case 'task':
        core.matching.notify(queueChannel(event.namespace, event.taskQueue, event.kind, event.version));
        return;
      case 'closed':
        core.wakeCloseWaiters(runKey(event.namespace, event.runId));
        return;
      case 'query':
        queries.onSharedQuery(event.namespace, event.taskQueue);
        return;
      case 'answer':
        queries.onAnswer(event.queryId).catch((error: unknown) =>
          core.logger.warn('reading a query answer failed; the query will time out', {
            error: String(error),
          }),
        );
        return;
      case 'updates':
        core.sharedUpdates?.onUpdates(event.namespace, event.runId).catch((error: unknown) =>
          core.logger.warn('reading the updates of a run failed', {
            runId: event.runId,
            error: String(error),
          }),
        );
        return;
      case 'updateTask':
        core.sharedUpdates?.onOffer(event.namespace, event.taskQueue);
        return;
      case 'resync':
        core.matching.wakeAll();
        core.wakeAllCloseWaiters();
        queries
          .resync()
          .catch((error: unknown) =>
            core.logger.warn('looking for query answers failed', { error: String(error) }),
          );
        core.sharedUpdates
          ?.resync()
          .catch((error: unknown) =>
            core.logger.warn('reading shared updates again failed', { error: String(error) }),
          );
        return;
      default: {
        const unexpected: never = event;
        core.logger.warn('ignored an unknown cluster event', { event: unexpected });
      }
    }
  });
}
