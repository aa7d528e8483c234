import type { IndexedSearchAttribute, SearchAttributeDefinition } from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

/** The registry of custom search attributes per namespace, and the indexed values of each run. */
export async function listSearchAttributes(
  db: Queryable,
  namespace: string,
): Promise<SearchAttributeDefinition[]> {
  const result = await runPrepared<SearchAttributeDefinition>(
    db,
    'SELECT name, type FROM search_attributes WHERE namespace = $1 ORDER BY name',
    [namespace],
  );
  return result.rows;
}

export async function putSearchAttribute(
  db: Queryable,
  namespace: string,
  definition: SearchAttributeDefinition,
): Promise<void> {
  await runPrepared(
    db,
    `INSERT INTO search_attributes (namespace, name, type) VALUES ($1, $2, $3)
     ON CONFLICT (namespace, name) DO UPDATE SET type = EXCLUDED.type`,
    [namespace, definition.name, definition.type],
  );
}

export async function deleteSearchAttribute(
  db: Queryable,
  namespace: string,
  name: string,
): Promise<boolean> {
  await runPrepared(db, 'DELETE FROM search_attribute_values WHERE namespace = $1 AND name = $2', [
    namespace,
    name,
  ]);
  const result = await runPrepared(db, 'DELETE FROM search_attributes WHERE namespace = $1 AND name = $2', [
    namespace,
    name,
  ]);
  return result.rowCount === 1;
}

export async function replaceSearchAttributeValues(
  db: Queryable,
  namespace: string,
  runId: string,
  values: readonly IndexedSearchAttribute[],
): Promise<void> {
  await runPrepared(db, 'DELETE FROM search_attribute_values WHERE namespace = $1 AND run_id = $2', [
    namespace,
    runId,
  ]);
  if (values.length === 0) return;
  // A KeywordList may repeat an element and a Text a word: one row says the run has the value.
  await runPrepared(
    db,
    `INSERT INTO search_attribute_values (namespace, name, is_number, value_number, value_text, run_id)
     SELECT $1, * , $2 FROM unnest($3::text[], $4::boolean[], $5::float8[], $6::text[])
     ON CONFLICT DO NOTHING`,
    [
      namespace,
      runId,
      values.map((value) => value.name),
      values.map((value) => typeof value.value === 'number'),
      values.map((value) => (typeof value.value === 'number' ? value.value : 0)),
      values.map((value) => (typeof value.value === 'string' ? value.value : '')),
    ],
  );
}
