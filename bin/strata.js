#!/usr/bin/env node
// Launches the strata CLI. In a source checkout (src/ present, tsx installed) it runs the TypeScript
// sources through tsx's loader, so a stale dist/ never shadows the code being edited; an installed
// package ships only dist/ and runs that. STRATA_CLI_FROM_DIST=1 forces the compiled code.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

function tsxInstalled() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const useSource = !process.env.STRATA_CLI_FROM_DIST && existsSync(fileURLToPath(source)) && tsxInstalled();

if (useSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write(
    'error: the strata CLI is not built: run `npm run build` (or install tsx to run from source)\n',
  );
  process.exitCode = 1;
}
