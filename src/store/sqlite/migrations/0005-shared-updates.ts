/**
 * Migration 0005: updates shared between server processes. Nothing to add here: PostgreSQL's 0005 adds
 * the tables through which its server processes share updates; one SQLite process keeps them in memory.
 * Kept so both adapters count migrations alike. Immutable once released.
 */
export const sql = `SELECT 1;`;
