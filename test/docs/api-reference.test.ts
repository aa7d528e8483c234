import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * docs/api.md is the one-line-per-name reference of the public subpaths. This test keeps it honest: every
 * exported name has its row under its subpath's heading, and no row names something that is not exported.
 */

const SUBPATHS = ['workflow', 'activity', 'client', 'worker', 'testing'] as const;
const root = new URL('../../', import.meta.url);

function exportedNames(): Map<string, string[]> {
  const files = SUBPATHS.map((name) => fileURLToPath(new URL(`src/${name}/index.ts`, root)));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  SUBPATHS.forEach((subpath, index) => {
    const source = program.getSourceFile(files[index] as string);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (symbol === undefined) throw new Error(`cannot read the exports of ${files[index]}`);
    names.set(
      subpath,
      checker
        .getExportsOfModule(symbol)
        .map((s) => s.getName())
        .sort(),
    );
  });
  return names;
}

/** The names in the first column of each table row, per `## strata/<subpath>` section. */
function documentedNames(): Map<string, string[]> {
  const text = readFileSync(new URL('docs/api.md', root), 'utf8');
  const names = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## `strata\/(\w+)`/.exec(line);
    if (heading) {
      current = [];
      names.set(heading[1] as string, current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    const row = /^\| `([\w$]+)` \|/.exec(line);
    if (row && current) current.push(row[1] as string);
  }
  return names;
}

describe('docs/api.md, the API reference', () => {
  const exported = exportedNames();
  const documented = documentedNames();

  for (const subpath of SUBPATHS) {
    it(`lists every name strata/${subpath} exports, and only those`, () => {
      const listed = documented.get(subpath) ?? [];
      const names = exported.get(subpath) ?? [];
      expect(
        names.filter((name) => !listed.includes(name)),
        `missing from docs/api.md under strata/${subpath}`,
      ).toEqual([]);
      expect(
        listed.filter((name) => !names.includes(name)),
        `listed in docs/api.md under strata/${subpath} but not exported`,
      ).toEqual([]);
    });
  }
});
