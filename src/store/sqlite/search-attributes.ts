import type Database from 'better-sqlite3';
import type { IndexedSearchAttribute, SearchAttributeDefinition } from '../store.js';

/** The registry of custom search attributes per namespace, and the indexed values of each run. */
export class SearchAttributesTable {
  private readonly listStmt: Database.Statement<[string], SearchAttributeDefinition>;
  private readonly putStmt: Database.Statement<[string, string, string]>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly deleteValuesOfNameStmt: Database.Statement<[string, string]>;
  private readonly deleteValuesOfRunStmt: Database.Statement<[string, string]>;
  private readonly insertValueStmt: Database.Statement<[string, string, string | number, string]>;

  constructor(db: Database.Database) {
    this.listStmt = db.prepare('SELECT name, type FROM search_attributes WHERE namespace = ? ORDER BY name');
    this.putStmt = db.prepare(
      `INSERT INTO search_attributes (namespace, name, type) VALUES (?, ?, ?)
       ON CONFLICT (namespace, name) DO UPDATE SET type = excluded.type`,
    );
    this.deleteStmt = db.prepare('DELETE FROM search_attributes WHERE namespace = ? AND name = ?');
    this.deleteValuesOfNameStmt = db.prepare(
      'DELETE FROM search_attribute_values WHERE namespace = ? AND name = ?',
    );
    this.deleteValuesOfRunStmt = db.prepare(
      'DELETE FROM search_attribute_values WHERE namespace = ? AND run_id = ?',
    );
    // A KeywordList may repeat an element and a Text a word: one row says the run has the value.
    this.insertValueStmt = db.prepare(
      'INSERT OR IGNORE INTO search_attribute_values (namespace, name, value, run_id) VALUES (?, ?, ?, ?)',
    );
  }

  list(namespace: string): SearchAttributeDefinition[] {
    return this.listStmt.all(namespace);
  }

  put(namespace: string, definition: SearchAttributeDefinition): void {
    this.putStmt.run(namespace, definition.name, definition.type);
  }

  delete(namespace: string, name: string): boolean {
    this.deleteValuesOfNameStmt.run(namespace, name);
    return this.deleteStmt.run(namespace, name).changes === 1;
  }

  replaceValues(namespace: string, runId: string, values: readonly IndexedSearchAttribute[]): void {
    this.deleteValuesOfRunStmt.run(namespace, runId);
    for (const { name, value } of values) this.insertValueStmt.run(namespace, name, value, runId);
  }
}
