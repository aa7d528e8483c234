/** The CLI side of search attributes and memo: operator commands, start flags, describe, list and count. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer } from '../helpers/strata-server.js';

let server: StrataServer;
let connection: Connection;
let client: Client;
const cli = (...args: string[]) => runCli([...args, '--address', server.address]);

/** Runs a command expected to fail with `exitCode`, its stderr saying `message`. */
async function refused(args: string[], exitCode: number, message: string): Promise<void> {
  const result = await cli(...args);
  expect(result.exitCode).toBe(exitCode);
  expect(result.stderr).toContain(message);
}

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});
afterAll(async () => {
  connection?.close();
  await server?.close();
});

describe('strata operator search-attribute and the start flags', () => {
  it('create takes repeated --name/--type pairs; list shows custom and system attributes', async () => {
    const created = await cli(
      'operator',
      'search-attribute',
      'create',
      '--name',
      'CustomerId',
      '--type',
      'Keyword',
      '--name',
      'Amount',
      '--type',
      'int',
      '--name',
      'Tags',
      '--type',
      'KeywordList',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(
      'Search attributes created in namespace "default": CustomerId (Keyword), Amount (Int), Tags (KeywordList)\n',
    );
    const listed = await cli('operator', 'search-attribute', 'list');
    expect(listed.stdout).toMatch(/^Name\s+Type\s+Kind\n/);
    expect(listed.stdout).toMatch(/\nAmount\s+Int\s+custom\n/);
    expect(listed.stdout).toMatch(/\nPatches\s+KeywordList\s+system\n/);
  });

  it('workflow start --search-attribute/--memo/--memo-file; describe and list show them; count filters', async () => {
    const memoFile = join(await mkdtemp(join(tmpdir(), 'strata-memo-')), 'memo.json');
    await writeFile(memoFile, JSON.stringify({ owner: 'ops', ticket: 4711 }));
    const start = await cli(
      'workflow',
      'start',
      '--type',
      'order',
      '-t',
      'cli-sa',
      '-w',
      'cli-order-1',
      '--search-attribute',
      'CustomerId=acme',
      '--search-attribute',
      'Amount=42',
      '--search-attribute',
      'Tags=["red","blue"]',
      '--memo',
      'note="rush order"',
      '--memo-file',
      memoFile,
    );
    expect(start.stderr).toBe('');
    await client.workflow.start('order', {
      taskQueue: 'cli-sa',
      workflowId: 'cli-order-2',
      searchAttributes: { CustomerId: ['globex'] },
    });
    const described = await cli('workflow', 'describe', '-w', 'cli-order-1');
    expect(described.stdout).toContain(
      'Search Attributes:\n  Amount      42\n  CustomerId  "acme"\n  Tags        ["red","blue"]\n',
    );
    expect(described.stdout).toContain('Memo:\n  note    "rush order"\n  owner   "ops"\n  ticket  4711\n');
    const list = await cli(
      'workflow',
      'list',
      '-q',
      'Tags = "red" AND Amount BETWEEN 40 AND 50',
      '-o',
      'json',
    );
    const [listed] = JSON.parse(list.stdout);
    expect(listed).toMatchObject({
      workflowId: 'cli-order-1',
      searchAttributes: { CustomerId: 'acme', Amount: 42, Tags: ['red', 'blue'] },
      memo: { note: 'rush order', owner: 'ops', ticket: 4711 },
    });
    const count = await cli('workflow', 'count', '-q', 'CustomerId STARTS_WITH "glo" OR Amount > 40');
    expect(count.stdout).toBe('Total: 2\n');
  });

  it('remove asks for --yes, then unregisters; refusals name the attribute, its type and the fix', async () => {
    await refused(
      ['operator', 'search-attribute', 'remove', '--name', 'Tags'],
      2,
      'removing search attributes needs confirmation: pass --yes',
    );
    const removed = await cli('operator', 'search-attribute', 'remove', '--name', 'Tags', '--yes');
    expect(removed.stdout).toBe('Search attributes removed from namespace "default": Tags\n');
    expect(await client.workflow.count('Tags = "red"').catch(String)).toContain(
      'unknown attribute "Tags" at position 0',
    );

    await refused(
      ['workflow', 'start', '--type', 'order', '-t', 'cli-sa', '--search-attribute', 'Amount=lots'],
      2,
      'search attribute "Amount" is Int: "lots" (a string) is not a whole number',
    );
    await refused(
      ['operator', 'search-attribute', 'create', '--name', 'Amount', '--type', 'Keyword'],
      1,
      'search attribute "Amount" is already registered in namespace "default" as Int; remove it first to register it as Keyword',
    );
  });

  it('a --type that is no type exits 2 before contacting the server', async () => {
    const badType = await runCli([
      'operator',
      'search-attribute',
      'create',
      '--name',
      'Region',
      '--type',
      'String',
    ]);
    expect(badType.exitCode).toBe(2);
    expect(badType.stderr).toContain(
      '--type "String" for Region is not a type; use one of Text, Keyword, Int, Double, Bool, Datetime, KeywordList',
    );
  });
});
