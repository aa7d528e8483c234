/** The patch-build runbook by hand: `npm run patch-build` as a user runs it. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('V5, V7, V8: a patch build never made current drains the workflows moved to it, then reports Drained', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/patch-build/walk.ts'],
    { cwd: root, timeout: 120_000 },
  );
  const sections = stdout.split('\n== ');
  expect(stdout).toContain('invoice-0 (approved at once): invoice of 55.00000000000001 sent by v1.2.0-dsf7');
  // Before the override: the patch polls but has nothing pinned to it.
  expect(sections[1]).toMatch(/\n {2}v1\.2\.0-dsf7 +CURRENT +3 +1 +invoices /);
  expect(sections[1]).toMatch(/\n {2}v1\.2\.1-4543 +INACTIVE +0 +1 +invoices /);
  // The runbook's query finds exactly the three waiting invoices; the override moves them.
  const moved = sections[2] ?? '';
  const listed = [...moved.matchAll(/RUNNING +(invoice-\d)/g)].map((match) => match[1]).sort();
  expect(listed).toEqual(['invoice-1', 'invoice-2', 'invoice-3']);
  expect(moved).toContain('updated 3 of 3 workflow(s), 0 failed.');
  expect(moved).toMatch(/\n {2}v1\.2\.0-dsf7 +CURRENT +0 +1 +invoices /);
  expect(moved).toMatch(/\n {2}v1\.2\.1-4543 +DRAINING +3 +DRAINING since \S+ +1 +invoices /);
  // The invoices finish on the patch, with the fix; then the patch version is drained.
  expect(stdout).toContain('invoice-1: invoice of 33.00 sent by v1.2.1-4543');
  expect(stdout).toContain('invoice-2: invoice of 55.00 sent by v1.2.1-4543');
  expect(stdout).toContain('invoice-3: invoice of 77.00 sent by v1.2.1-4543');
  expect(stdout).toMatch(
    /\n {2}Status +DRAINED\n {2}OpenPinnedWorkflows +0\n {2}Drainage +DRAINED since \d{4}-/,
  );
}, 120_000);
