/**
 * Where `strata workflow replay` and `patch-status` get histories: one workflow (`-w`), every execution a
 * visibility query matches (`--query`), or files exported with `strata workflow show -o json` or Temporal's
 * `temporal workflow show --output json` (`--history-file`).
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '../client/client.js';
import type { HistoryEvent } from '../gen/strata/v1/history_pb.js';
import { type HistoryInput, historyEventsOf } from '../worker/replay/history-json.js';
import { UsageError } from './errors.js';

/** One history to look at, its events read. */
export interface SourcedHistory {
  /** From the listing or the command line; empty for a file (the history's first event names it). */
  workflowId: string;
  events: HistoryEvent[];
}

export interface HistorySource {
  /** How many histories will come, when known in advance (for the progress bar). */
  total: number | undefined;
  histories: AsyncIterable<SourcedHistory>;
}

/** Histories fetched at the same time from the server. */
export const FETCH_CONCURRENCY = 8;

/** The histories of the executions `query` matches, fetched {@link FETCH_CONCURRENCY} at a time, in list order. */
export async function queriedHistories(client: Client, query: string): Promise<HistorySource> {
  const { count } = await client.workflow.count(query);
  const listed = client.workflow.list({ query, pageSize: 1000 });
  return {
    total: count,
    histories: mapAsync(
      listed.intoHistories({ concurrency: FETCH_CONCURRENCY }),
      ({ workflowId, history }) => ({
        workflowId,
        events: history.events,
      }),
    ),
  };
}

/** The history of one workflow (its latest run unless `runId` is given). */
export async function workflowHistory(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistorySource> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return { total: 1, histories: fromArray([{ workflowId, events: history.events }]) };
}

/** Histories read from JSON files, each holding one history (`{ "events": [...] }`). */
export async function fileHistories(files: readonly string[]): Promise<HistorySource> {
  const histories = await Promise.all(files.map(readHistoryFile));
  return { total: histories.length, histories: fromArray(histories) };
}

async function readHistoryFile(file: string): Promise<SourcedHistory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --history-file ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
      throw new TypeError('it has no "events" array');
    }
    return { workflowId: '', events: historyEventsOf(json as HistoryInput) };
  } catch (err) {
    throw new UsageError(
      `--history-file ${file} is not a workflow history: ${err instanceof Error ? err.message : String(err)}. ` +
        'Export one with `strata workflow show -w <id> -o json > history.json`',
    );
  }
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}
