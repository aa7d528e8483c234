/** R6 at bundle time: what workflow code may import, and the shape of a bundle. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode, WorkflowBundleError } from '../../src/worker/sandbox/bundler.js';
import { WorkflowSandbox } from '../../src/worker/sandbox/workflow-sandbox.js';

const fixture = (name: string) => new URL(`./fixtures/bundling/${name}`, import.meta.url).pathname;

async function bundleError(name: string): Promise<Error> {
  return bundleWorkflowCode({ workflowsPath: fixture(name) }).then(
    () => {
      throw new Error('expected the bundle to be refused');
    },
    (err: Error) => err,
  );
}

describe('R6: imports refused at bundle time', () => {
  it('R6: importing "fs" fails with the import chain and the fix', async () => {
    const err = await bundleError('uses-fs.ts');
    expect(err).toBeInstanceOf(WorkflowBundleError);
    expect(err.message).toBe(
      '[BUNDLE] workflow code must not import "fs": test/workflow/fixtures/bundling/uses-fs.ts -> ' +
        'test/workflow/fixtures/bundling/helpers-fs.ts -> fs. Move this code into an activity.',
    );
  });

  it('R6: importing "node:child_process" fails naming it', async () => {
    const err = await bundleError('uses-node-prefix.ts');
    expect(err.message).toBe(
      '[BUNDLE] workflow code must not import "node:child_process": test/workflow/fixtures/bundling/uses-node-prefix.ts -> node:child_process. Move this code into an activity.',
    );
  });

  it('R6: importing strata/client from workflow code fails', async () => {
    const err = await bundleError('uses-client.js');
    expect(err.message).toMatch(
      /^\[BUNDLE\] workflow code must not import "strata\/client": .*uses-client\.js -> strata\/client/,
    );
  });

  it('a workflowsPath that does not exist fails clearly', async () => {
    const err = await bundleError('missing.ts');
    expect(err.message).toMatch(/^\[BUNDLE\] workflowsPath ".*missing\.ts" does not exist$/);
  });
});

describe('bundles', () => {
  it('resolves strata/workflow and the common modules to the one runtime of the sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') });
    expect(bundle.workflowTypes).toEqual(['napper']);
    // The runtime is in the bundle once: the user part only points at it.
    expect(bundle.code.match(/name = "ApplicationFailure"/g)).toHaveLength(1);
    expect(bundle.hash).toBe(createHash('sha256').update(bundle.code).digest('hex'));
    expect(bundle.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the same sources give the same hash', async () => {
    const a = await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') });
    const b = await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') });
    expect(a.hash).toBe(b.hash);
  });

  it('the hash covers bundled dependencies: a dependency upgrade that changes what is bundled changes it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'strata-bundle-'));
    const dep = join(project, 'node_modules', 'greeting');
    await mkdir(dep, { recursive: true });
    await writeFile(join(project, 'package.json'), '{"name":"app","type":"module"}');
    await writeFile(join(dep, 'package.json'), '{"name":"greeting","version":"1.0.0","main":"index.js"}');
    await writeFile(join(dep, 'index.js'), "export const greeting = 'Hello';\n");
    await writeFile(join(dep, 'unused.js'), "export const other = 'not imported';\n");
    const workflowsPath = join(project, 'workflows.ts');
    await writeFile(
      workflowsPath,
      "import { greeting } from 'greeting';\nexport async function greet(): Promise<string> { return greeting; }\n",
    );
    const before = await bundleWorkflowCode({ workflowsPath });
    // A file of the package that is not bundled changes nothing; the bundled one does (1.0.0 -> 1.1.0).
    await writeFile(join(dep, 'unused.js'), "export const other = 'changed';\n");
    expect((await bundleWorkflowCode({ workflowsPath })).hash).toBe(before.hash);
    await writeFile(join(dep, 'package.json'), '{"name":"greeting","version":"1.1.0","main":"index.js"}');
    await writeFile(join(dep, 'index.js'), "export const greeting = 'Hi';\n");
    expect((await bundleWorkflowCode({ workflowsPath })).hash).not.toBe(before.hash);
  });

  it('the hash does not depend on the directory the worker runs in', async () => {
    const here = await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') });
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect((await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') })).hash).toBe(
        here.hash,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('R6: the sandbox has no process, require, fetch or setInterval, and WeakRef throws', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('uses-package-name.js') });
    const sandbox = WorkflowSandbox.create(bundle);
    const globals = sandbox.evaluateForTests(
      'JSON.stringify([typeof process, typeof require, typeof fetch, typeof setInterval, typeof setTimeout])',
    );
    expect(JSON.parse(globals)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'function']);
    expect(
      sandbox.evaluateForTests(
        '(() => { try { new FinalizationRegistry(() => {}); return "no error" } catch (e) { return e.message } })()',
      ),
    ).toMatch(/^\[NON_DETERMINISTIC_API\] FinalizationRegistry cannot be used/);
  });
});
