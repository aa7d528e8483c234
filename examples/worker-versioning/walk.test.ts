/** The walk as a user runs it: `npm run worker-versioning` prints where each workflow ran, and the CLI's views. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { rampBucket } from '../../src/common/versioning.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('V3, V4, V8, V9: builds 1.0, 1.1 and 2.0 as worker processes; Pinned stays, AutoUpgrade moves, a ramp splits by id', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/worker-versioning/walk.ts'],
    { cwd: root, timeout: 120_000 },
  );
  expect(stdout).toContain('order-1 started on 1.0 (Pinned)');
  expect(stdout).toContain('subscription-1 step 1 ran on 1.0 (AutoUpgrade)');
  expect(stdout).toContain('order-2 started on 1.1');
  expect(stdout).toContain('subscription-1 step 2 ran on 1.1: it moved with the current version');
  // While 1.1 is current, 1.0 drains: order-1 is still pinned to it.
  expect(stdout).toMatch(/\n {2}1\.0 +DRAINING +1 +DRAINING since \S+ +1 +shop /);
  // The ramp at 50% sends the orders whose id falls in the first half of the buckets to 2.0 (V3).
  for (let i = 3; i <= 8; i++) {
    const build = rampBucket(`order-${i}`) < 50 ? '2.0' : '1.1';
    expect(stdout).toContain(`order-${i} started on ${build}\n`);
    expect(stdout).toContain(`order-${i}: ${build} -> ${build}\n`);
  }
  expect(stdout).toContain('order-1: 1.0 -> 1.0\n');
  expect(stdout).toContain('order-2: 1.1 -> 1.1\n');
  expect(stdout).toContain('subscription-1: 1.0 -> 1.1 -> 2.0\n');
  const finalDescribe = stdout.slice(stdout.lastIndexOf('$ strata worker deployment describe'));
  expect(finalDescribe).toMatch(/\n {2}1\.0 +DRAINED +0 +DRAINED since /);
  expect(finalDescribe).toMatch(/\n {2}1\.1 +DRAINED +0 +DRAINED since /);
  expect(finalDescribe).toMatch(/\n {2}2\.0 +CURRENT +0 /);
  expect(stdout).toContain('Deleted version shop:1.0.');
  expect(stdout).toMatch(/\n {2}shop +shop:2\.0 /);
}, 120_000);
