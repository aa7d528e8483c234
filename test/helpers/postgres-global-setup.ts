/**
 * Vitest global setup of the postgres project: one throwaway PostgreSQL server for the whole run (or
 * the server named by STRATA_TEST_POSTGRES_URL), with a migrated template database that each test
 * server's database is cloned from. Test files find it through STRATA_TEST_POSTGRES_URL.
 */
import { PostgresStore } from '../../src/store/postgres/index.js';
import { type PostgresServer, startPostgres, templateDatabase, withClient } from './postgres.js';

export default async function setup(): Promise<() => Promise<void>> {
  let server: PostgresServer | undefined;
  let adminUrl = process.env.STRATA_TEST_POSTGRES_URL;
  if (!adminUrl) {
    server = await startPostgres();
    adminUrl = server.url();
    process.env.STRATA_TEST_POSTGRES_URL = adminUrl;
  }
  const template = new URL(adminUrl);
  template.pathname = `/${templateDatabase}`;
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${templateDatabase}"`);
    await admin.query(`CREATE DATABASE "${templateDatabase}"`);
  });
  const store = await PostgresStore.open({ url: template.toString(), poolSize: 1 });
  await store.close();
  return async () => {
    await server?.destroy();
  };
}
