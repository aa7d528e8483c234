/** The stage walk as a user runs it: `npm run patching` prints what happens at each stage. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('P9: npm run patching walks the three stages, each deploy checked by replay and patch-status first', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/patching/walk-stages.ts'],
    {
      cwd: root,
      timeout: 120_000,
    },
  );
  const lines = stdout.split('\n');
  // Before v2: vFinal would break both v1 workflows; v2 continues them.
  expect(lines[lines.findIndex((line) => line.includes('workflows-vFinal.ts -q')) + 3]).toBe(
    '    diverged          2',
  );
  expect(stdout).toContain('finished patching-1: activityA, sleep, activityThatMustRunAfterA (completed)');
  expect(stdout).toContain('started patching-3: marker "my-change-id", activityB (sleeping)');
  expect(stdout).toMatch(/myWorkflow: stage 1 is safe\. 2 running workflows started before the patch/);
  expect(stdout).toMatch(/myWorkflow: stage 2 is safe\. 0 remain without the marker/);
  expect(stdout).toContain('started patching-5: deprecated marker "my-change-id", activityB (sleeping)');
  expect(stdout).toMatch(/myWorkflow: stage 3 is safe\. No running workflow records the patch/);
  // On vFinal, the v3 workflow's deprecated marker is skipped; new workflows record none.
  expect(stdout).toContain(
    'finished patching-6: deprecated marker "my-change-id", activityB, sleep (completed)',
  );
  expect(stdout).toContain('started patching-7: activityB (sleeping)');
  // Only the premature vFinal check fails; the checks before deploying v2, v3 and vFinal pass.
  expect(stdout.split('(exit code 1)').length - 1).toBe(1);
  expect(lines.filter((line) => line === '    diverged          0')).toHaveLength(3);
}, 120_000);
