/**
 * Reads histories as users have them: `HistoryEvent[]`, a `History` message, or JSON exported by Strata or
 * by Temporal (`temporal workflow show --output json`: string event ids, RFC 3339 `eventTime`, durations
 * such as `"10s"`, task queues as `{ name, kind }`, event types with or without the `EVENT_TYPE_` prefix).
 */
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { type History, type HistoryEvent, HistorySchema } from '../../gen/strata/v1/history_pb.js';

export type HistoryInput = readonly HistoryEvent[] | History | { events: readonly unknown[] };

export function historyEventsOf(input: HistoryInput): HistoryEvent[] {
  const events: readonly unknown[] = Array.isArray(input)
    ? input
    : (input as { events: readonly unknown[] }).events;
  if (events.every(isHistoryEventMessage)) return [...events];
  const normalized = events.map((event) => normalizeEvent(event as Record<string, unknown>));
  return fromJson(HistorySchema, { events: normalized } as JsonValue, { ignoreUnknownFields: true }).events;
}

function isHistoryEventMessage(event: unknown): event is HistoryEvent {
  return (event as { $typeName?: string }).$typeName === 'strata.v1.HistoryEvent';
}

function normalizeEvent(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'eventId') out.eventId = Number(value);
    else if (key === 'eventTime' && typeof value === 'string') out.eventTimeMs = Date.parse(value);
    else if (key === 'eventType' && typeof value === 'string') out.eventType = eventTypeName(value);
    else if (key.endsWith('EventAttributes') && typeof value === 'object' && value !== null) {
      out[key] = normalizeAttributes(value as Record<string, unknown>);
    } else out[key] = value;
  }
  return out;
}

/** `WorkflowExecutionStarted` -> `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`. */
function eventTypeName(value: string): string {
  if (value.startsWith('EVENT_TYPE_')) return value;
  return `EVENT_TYPE_${value.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

const DURATION_KEY = /(Timeout|Interval)$/;

/** Temporal writes durations as `"10s"` (our schema has `...Ms` numbers) and task queues as objects. At every depth. */
function normalizeAttributes(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (DURATION_KEY.test(key) && typeof field === 'string' && field.endsWith('s')) {
      out[`${key}Ms`] = Number.parseFloat(field) * 1000;
    } else if (key === 'taskQueue' && typeof field === 'object' && field !== null && 'name' in field) {
      // Temporal writes `{ "name": "orders", "kind": "TASK_QUEUE_KIND_NORMAL" }`; our schema has the name.
      out[key] = (field as { name: unknown }).name;
    } else if (typeof field === 'object' && field !== null && !Array.isArray(field)) {
      out[key] = normalizeAttributes(field as Record<string, unknown>);
    } else out[key] = field;
  }
  return out;
}
