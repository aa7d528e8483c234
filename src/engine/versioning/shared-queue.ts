/**
 * With several server processes, queries and update task offers wait in shared tables by task queue. A
 * versioned poller must find only those of its version, so the shared key of a queue carries the version
 * (as the in-process matching channel does): `taskQueue` for unversioned workers, else the queue and the
 * version joined by a separator no task queue name uses in practice (U+001F; PostgreSQL text refuses NUL).
 */
import { queueChannel } from '../matching.js';

const separator = '\u001f';

export function sharedQueueKey(taskQueue: string, version: string): string {
  return version === '' ? taskQueue : `${taskQueue}${separator}${version}`;
}

/** The matching channel of the workflow pollers a shared key is for. */
export function sharedQueueChannel(namespace: string, key: string): string {
  const at = key.indexOf(separator);
  if (at < 0) return queueChannel(namespace, key, 'workflow');
  return queueChannel(namespace, key.slice(0, at), 'workflow', key.slice(at + 1));
}
