#!/usr/bin/env node
// Launches the strata CLI: the compiled code when the package is built, else the TypeScript sources
// through tsx's loader (a source checkout, or STRATA_CLI_FROM_SOURCE=1 to bypass a stale dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(fileURLToPath(built)) && !process.env.STRATA_CLI_FROM_SOURCE) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
