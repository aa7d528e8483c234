/**
 * What workflow code may import (R6), as an esbuild plugin. `strata/workflow` and the sandbox-safe common
 * modules resolve to the one runtime instance of the sandbox; Node built-ins and the host-only parts of
 * Strata are refused, and the error names the import chain that reached them.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import type { Metafile, Plugin } from 'esbuild';

/** Modules workflow code may not import: they only exist outside the sandbox. */
const FORBIDDEN_PACKAGES = new Set(['strata/client', 'strata/worker', 'strata/testing', 'strata/activity']);
const BUILTINS = new Set(builtinModules);
/** Source folders of the host-only parts of Strata, refused when reached by a relative import. */
const HOST_ONLY_DIRS = ['client', 'worker', 'server', 'engine', 'store', 'cli', 'testing', 'activity', 'gen'];
const SHARED_COMMON = ['converter', 'duration', 'failure'];

export const SHARED_NAMESPACE = 'strata-shared';
const FORBIDDEN_NAMESPACE = 'strata-forbidden';

export interface RefusedImport {
  /** As written in the code, e.g. `fs` or `node:child_process`. */
  specifier: string;
  /** Absolute path of the file that imports it. */
  importer: string;
}

/**
 * `srcRoot` is this package's `src/` (or `dist/`) folder. `refused` collects what was refused. `runtimeExports`
 * are the names `strata/workflow` exports: its stand-in module declares them, so each run's workflow modules bind
 * them directly instead of copying the whole runtime object into a fresh namespace (a cost paid per run).
 */
export function bundleRulesPlugin(
  srcRoot: string,
  refused: RefusedImport[],
  runtimeExports: string[],
): Plugin {
  const workflowIndex = path.join(srcRoot, 'workflow', 'index');
  const commonDir = path.join(srcRoot, 'common');
  return {
    name: 'strata-workflow-rules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.namespace === SHARED_NAMESPACE || args.namespace === FORBIDDEN_NAMESPACE) return undefined;
        const specifier = args.path;
        if (specifier === 'strata/workflow') return { path: 'workflow', namespace: SHARED_NAMESPACE };
        if (isForbiddenSpecifier(specifier)) {
          refused.push({ specifier, importer: args.importer });
          return { path: specifier, namespace: FORBIDDEN_NAMESPACE };
        }
        if (!specifier.startsWith('.') && !path.isAbsolute(specifier)) return undefined;
        const absolute = withoutExtension(path.resolve(args.resolveDir, specifier));
        if (absolute === workflowIndex) return { path: 'workflow', namespace: SHARED_NAMESPACE };
        const inCommon = path.relative(commonDir, absolute);
        if (SHARED_COMMON.includes(inCommon))
          return { path: `common/${inCommon}`, namespace: SHARED_NAMESPACE };
        const inSrc = path.relative(srcRoot, absolute).split(path.sep);
        if (inSrc[0] !== '..' && inSrc.length > 1 && HOST_ONLY_DIRS.includes(inSrc[0]!)) {
          refused.push({ specifier, importer: args.importer });
          return { path: specifier, namespace: FORBIDDEN_NAMESPACE };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: SHARED_NAMESPACE }, (args) => ({
        contents:
          args.path === 'workflow'
            ? `export const { ${runtimeExports.filter((name) => name !== 'default').join(', ')} } = globalThis.__strataRuntime;`
            : `module.exports = globalThis.__strataCommon.${args.path.slice('common/'.length)};`,
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: FORBIDDEN_NAMESPACE }, () => ({ contents: '', loader: 'js' }));
    },
  };
}

function isForbiddenSpecifier(specifier: string): boolean {
  if (FORBIDDEN_PACKAGES.has(specifier) || specifier.startsWith('node:')) return true;
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
}

function withoutExtension(file: string): string {
  return file.replace(/\.(ts|js|mts|mjs|tsx|jsx)$/, '');
}

/**
 * The chain of imports from the workflows module to a refused import, e.g.
 * `src/workflows.ts -> src/helpers.ts -> fs`, read from esbuild's metafile.
 */
export function importChain(metafile: Metafile, refusedImport: RefusedImport, cwd: string): string {
  const importerKey = path.relative(cwd, refusedImport.importer);
  const parentOf = new Map<string, string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) if (!parentOf.has(imported.path)) parentOf.set(imported.path, file);
  }
  const chain = [refusedImport.specifier];
  const seen = new Set<string>();
  for (
    let file: string | undefined = importerKey;
    file !== undefined && !seen.has(file);
    file = parentOf.get(file)
  ) {
    seen.add(file);
    // The generated entry is ours, not the user's: the chain starts at their workflows module.
    if (!file.includes(':')) chain.unshift(file);
  }
  return chain.join(' -> ');
}
