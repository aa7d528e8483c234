/** Migration 0002: custom search attributes. Immutable once released: add a new numbered file instead. */
export const sql = `
-- The custom search attributes registered in each namespace; type is the engine's type name.
CREATE TABLE search_attributes (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID;

-- The indexed values of each run's search attributes, which list and count filter on: one row per
-- value (a KeywordList has one per element, a Text one per word). value has no declared type, so
-- SQLite keeps each value as written: text compares as text, numbers as numbers. The key serves
-- "runs whose attribute X has a value in this range" without touching the executions table.
CREATE TABLE search_attribute_values (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  value NOT NULL,
  run_id TEXT NOT NULL,
  PRIMARY KEY (namespace, name, value, run_id)
) WITHOUT ROWID;
CREATE INDEX search_attribute_values_by_run ON search_attribute_values (namespace, run_id);
`;
