#!/usr/bin/env node
// Launches the strata CLI from the compiled dist/, unless this is a source checkout whose src/ changed
// after the last build: then it runs the TypeScript sources through tsx, so a stale dist/ never shadows
// the code being edited. STRATA_CLI_FROM_DIST=1 forces the compiled code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceDir = fileURLToPath(new URL('../src', import.meta.url));
const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function tsxInstalled() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

function useSource() {
  if (process.env.STRATA_CLI_FROM_DIST || !existsSync(sourceDir) || !tsxInstalled()) return false;
  const builtPath = fileURLToPath(built);
  return !existsSync(builtPath) || newestMtimeMs(sourceDir) > statSync(builtPath).mtimeMs;
}

if (useSource()) {
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
