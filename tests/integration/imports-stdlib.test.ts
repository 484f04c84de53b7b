// The TypeScript import extractor agrees with Python's own ast on every standard-library
// file of every interpreter present (pyenv 3.8–3.13; without pyenv, the system python3):
// same modules, lines, names, levels, dynamic calls, and the same optional / type-only marks.
// tests/helpers/ast_imports.py is the reference; files the interpreter itself cannot parse
// (lib2to3 test data) are skipped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractImports, type PythonImport } from '../../src/graph/python-imports';
import { decodePythonSource } from '../../src/graph/source-encoding';
import { ROOT, pyenvInterpreters } from './harness';

const HELPER = join(ROOT, 'tests/helpers/ast_imports.py');
const VERSIONS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
const interpreters = pyenvInterpreters();
if (!VERSIONS.some((v) => interpreters.has(v))) {
  // A machine with only the system python3 still checks the one library it has.
  const minor = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
  interpreters.set(minor, 'python3');
}
const present = [...interpreters.keys()].filter((v) => VERSIONS.includes(v));

const key = (r: PythonImport) =>
  JSON.stringify([r.line, r.kind, r.module, r.level, r.names ?? null, r.call ?? null, r.optional, r.typeOnly, r.versionGuarded]);

test('at least one interpreter of 3.8–3.13 is present', () => {
  expect(present.length).toBeGreaterThan(0);
});

describe.each(present)('Python %s standard library', (version) => {
  test(`TypeScript extraction equals ast extraction on every file (${interpreters.get(version)})`, () => {
    const r = spawnSync(interpreters.get(version)!, ['-W', 'ignore', HELPER, '--stdlib'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const mismatches: string[] = [];
    let compared = 0;
    let imports = 0;
    const kinds = { optional: 0, typeOnly: 0, dynamic: 0, relative: 0 };
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const o = JSON.parse(line) as { path: string; imports?: PythonImport[]; error?: string };
      if (!o.imports) continue;
      compared++;
      let mine: PythonImport[];
      try {
        mine = extractImports(decodePythonSource(readFileSync(o.path)));
      } catch (e) {
        mismatches.push(`${o.path}: extractor threw ${(e as Error).message}`);
        continue;
      }
      const want = o.imports.map(key).sort();
      const got = mine.map(key).sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        const g = new Set(got);
        const w = new Set(want);
        mismatches.push(`${o.path}: only ast: ${want.filter((x) => !g.has(x)).slice(0, 3).join(' ')} only ts: ${got.filter((x) => !w.has(x)).slice(0, 3).join(' ')}`);
      }
      imports += mine.length;
      for (const m of mine) {
        if (m.optional) kinds.optional++;
        if (m.typeOnly) kinds.typeOnly++;
        if (m.kind === 'dynamic') kinds.dynamic++;
        if (m.level > 0) kinds.relative++;
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    // The comparison covered the whole library and every construct the issue names.
    // Debian's python3 ships its library without the test suite (668 files, 3,822 imports for
    // 3.11 on bookworm); pyenv's builds have all of it (~1,780 files, ~12,000 imports).
    const system = interpreters.get(version) === 'python3';
    expect(compared).toBeGreaterThan(system ? 600 : 1500);
    expect(imports).toBeGreaterThan(system ? 3500 : 10000);
    // Guarded, dynamic and relative imports occur in every version's library; `if
    // TYPE_CHECKING:` only from 3.13 on (the unit tests cover it for all).
    // (Version-guarded imports are compared too, though the standard library has none: the
    // unit tests cover them.)
    expect({ optional: kinds.optional > 0, dynamic: kinds.dynamic > 0, relative: kinds.relative > 0 }).toEqual({ optional: true, dynamic: true, relative: true });
    if (version === '3.13') expect(kinds.typeOnly).toBeGreaterThan(0);
  }, 600_000);
});
