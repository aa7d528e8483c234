/**
 * Migration 0002 (PostgreSQL): custom search attributes, as SQLite's 0002. Immutable once released.
 */
export const sql = `
-- The custom search attributes registered in each namespace; type is the engine's type name.
CREATE TABLE search_attributes (
  namespace TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  type TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);

-- The indexed values of each run's search attributes, which list and count filter on: one row per
-- value (a KeywordList has one per element, a Text one per word). SQLite keeps a value untyped; here
-- a text value sits in value_text and a number in value_number (is_number tells which), so text
-- compares as text and numbers as numbers. The key serves "runs whose attribute X has a value in this
-- range" without touching the executions table.
CREATE TABLE search_attribute_values (
  namespace TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  is_number BOOLEAN NOT NULL,
  value_number DOUBLE PRECISION NOT NULL,
  value_text TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (namespace, name, is_number, value_number, value_text, run_id)
);
CREATE INDEX search_attribute_values_by_run ON search_attribute_values (namespace, run_id);
`;
