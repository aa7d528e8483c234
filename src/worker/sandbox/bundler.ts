/**
 * Bundles a workflows module for the sandbox with esbuild. The bundle text has two parts: the runtime
 * (`strata/workflow`, evaluated once per sandbox context) and a loader function wrapping the user's modules,
 * called once per run so module-level state in workflow files belongs to one run.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { bundleRulesPlugin, importChain, type RefusedImport } from './bundle-rules.js';
import { WorkflowSandbox } from './workflow-sandbox.js';

export interface WorkflowBundle {
  /** JavaScript evaluated in the sandbox context. */
  code: string;
  /**
   * sha256 of `code`, hex: the bundle's identity, sent as `binary_checksum` with every workflow task completion. It
   * covers the workflow code and every dependency bundled into it (an upgraded package in `node_modules` that
   * changes what is bundled changes it), and not where the code lives on disk.
   */
  hash: string;
  /** Names of the functions the workflows module exports. */
  workflowTypes: string[];
}

export interface BundleOptions {
  /** Path of the module that exports the workflow functions (TypeScript or JavaScript). */
  workflowsPath: string;
}

/** Thrown when workflow code cannot be bundled; messages start with `[BUNDLE]`. */
export class WorkflowBundleError extends Error {
  override name = 'WorkflowBundleError';
}

const ENTRY_NAMESPACE = 'strata-entry';

/** This package's source root: `src/` when running from sources (tests, tsx), `dist/` when built. */
function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

function runtimeModulePath(root: string, module: string): string {
  for (const candidate of [`workflow/${module}.ts`, `workflow/${module}.js`]) {
    const file = path.join(root, candidate);
    if (existsSync(file)) return file;
  }
  throw new WorkflowBundleError(`[BUNDLE] the strata/workflow runtime was not found under ${root}`);
}

/** The runtime evaluated once per sandbox, and the names `strata/workflow` exports. */
interface Runtime {
  code: string;
  exports: string[];
}

let runtime: Promise<Runtime> | undefined;

/** The runtime part is the same for every bundle of this process: build it once. */
function buildRuntime(root: string): Promise<Runtime> {
  const common = {
    bundle: true,
    write: false,
    platform: 'neutral',
    target: 'es2022',
    absWorkingDir: root,
  } as const;
  runtime ??= Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [runtimeModulePath(root, 'runtime-entry')],
      format: 'iife',
      logLevel: 'silent',
    }),
    esbuild.build({
      ...common,
      entryPoints: [runtimeModulePath(root, 'index')],
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    }),
  ]).then(([code, api]) => ({
    code: code.outputFiles[0]!.text,
    exports: Object.values(api.metafile.outputs)[0]?.exports ?? [],
  }));
  return runtime;
}

/**
 * The directory bundle paths are relative to: the workflows module's project (nearest `package.json`), not the
 * process's working directory, so the same code bundles to the same bytes, and the same hash, wherever it runs.
 */
function projectRootOf(workflowsPath: string): string {
  const start = path.dirname(workflowsPath);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

async function buildWorkflows(
  root: string,
  workflowsPath: string,
  runtimeExports: string[],
): Promise<string> {
  const cwd = projectRootOf(workflowsPath);
  const refused: RefusedImport[] = [];
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [ENTRY_NAMESPACE],
      bundle: true,
      write: false,
      metafile: true,
      format: 'cjs',
      platform: 'browser',
      target: 'es2022',
      absWorkingDir: cwd,
      logLevel: 'silent',
      plugins: [
        {
          name: 'strata-workflow-entry',
          setup(build) {
            build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}$`) }, () => ({
              path: 'workflows',
              namespace: ENTRY_NAMESPACE,
            }));
            build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, () => ({
              contents: `export * from ${JSON.stringify(workflowsPath)};`,
              resolveDir: path.dirname(workflowsPath),
              loader: 'js',
            }));
          },
        },
        bundleRulesPlugin(root, refused, runtimeExports),
      ],
    });
  } catch (err) {
    const messages = (err as { errors?: esbuild.Message[] }).errors ?? [];
    const details = messages
      .map((m) => `${m.location?.file ?? ''}:${m.location?.line ?? ''} ${m.text}`)
      .join('; ');
    throw new WorkflowBundleError(`[BUNDLE] cannot bundle ${workflowsPath}: ${details || String(err)}`);
  }
  if (refused.length > 0) {
    const lines = refused.map(
      (r) =>
        `[BUNDLE] workflow code must not import "${r.specifier}": ${importChain(result.metafile, r, cwd)}. ` +
        'Move this code into an activity.',
    );
    throw new WorkflowBundleError(lines.join('\n'));
  }
  return result.outputFiles[0]!.text;
}

/**
 * Bundles `workflowsPath` and everything it imports.
 *
 * @example
 * const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') });
 */
export async function bundleWorkflowCode(options: BundleOptions): Promise<WorkflowBundle> {
  const workflowsPath = path.resolve(options.workflowsPath);
  if (!existsSync(workflowsPath)) {
    throw new WorkflowBundleError(`[BUNDLE] workflowsPath "${workflowsPath}" does not exist`);
  }
  const root = packageRoot();
  const { code: runtimeCode, exports } = await buildRuntime(root);
  const workflows = await buildWorkflows(root, workflowsPath, exports);
  const code = `${runtimeCode}\nglobalThis.__strataLoadWorkflows = function () {\nvar module = { exports: {} }, exports = module.exports;\n${workflows}\nreturn module.exports;\n};\n`;
  const hash = createHash('sha256').update(code).digest('hex');
  const sandbox = WorkflowSandbox.create({ code, hash });
  return { code, hash, workflowTypes: sandbox.workflowTypes };
}
