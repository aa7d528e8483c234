#!/usr/bin/env node
// The package registry these machines reach serves only some platforms' builds of packages such as
// @biomejs/cli-*, @rollup/rollup-* and @bufbuild/buf-*, so `npm install` cannot record the others in
// package-lock.json, and `npm ci` then refuses the lock file ("Missing: ... from lock file"). This adds an
// entry for each missing platform package, tagged optional with its os and cpu, which npm ci skips on
// other platforms exactly as it would a complete entry. Run it after any `npm install` that changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const OS = new Set([
  'aix',
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
]);
const CPU = {
  arm: 'arm',
  arm64: 'arm64',
  armv7: 'arm',
  eabi: 'arm',
  gnueabihf: 'arm',
  musleabihf: 'arm',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
  x64: 'x64',
};

let added = 0;
for (const meta of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((token) => OS.has(token));
    const cpu = tokens.map((token) => CPU[token]).find(Boolean);
    if (!os || !cpu) {
      console.warn(`left out ${name}: cannot tell its platform from its name`);
      continue;
    }
    const libc = tokens.some((token) => token.startsWith('musl')) ? { libc: ['musl'] } : {};
    lock.packages[key] = {
      version,
      ...(meta.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...libc,
    };
    added++;
  }
}
const [root, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => a.localeCompare(b))]);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform entries`);
