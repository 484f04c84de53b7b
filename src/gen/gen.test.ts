// Golden cases (gazelle style): tests/golden/gen/<case>/ holds a source tree whose BUILD.in
// files become BUILD; after `gen`, every directory with a BUILD.out must have exactly that
// BUILD file, and no other directory may get one.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describeCycles, gen } from './gen';

const GOLDEN = join(__dirname, '../../tests/golden/gen');
const INDEX_IMPORTS_ROOT = [
  '# par module index: module<TAB>target. Written by `par gen`; imports_check reads it to name the target to add.',
  'acme\t//shared',
  'acme.text\t//shared',
  'shared.src.acme\t//shared',
  'shared.src.acme.text\t//shared',
  'tool.main\t//tool',
  '',
].join('\n');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

function setUp(name: string): string {
  const ws = mkdtempSync(join(tmpdir(), `par-gen-${name}-`));
  cpSync(join(GOLDEN, name), ws, { recursive: true });
  writeFileSync(join(ws, 'WORKSPACE'), '');
  for (const f of walk(ws)) {
    if (f.endsWith('/BUILD.in')) renameSync(f, f.replace(/BUILD\.in$/, 'BUILD'));
    if (f.endsWith('/BUILD.out')) rmSync(f);
  }
  return ws;
}

function expectGolden(name: string, ws: string): void {
  const want = new Map(walk(join(GOLDEN, name)).filter((f) => f.endsWith('/BUILD.out')).map((f) => [relative(join(GOLDEN, name), f).replace(/\/BUILD\.out$/, ''), readFileSync(f, 'utf8')]));
  const got = new Map(walk(ws).filter((f) => /\/BUILD(\.bazel)?$/.test(f)).map((f) => [relative(ws, f).replace(/\/BUILD(\.bazel)?$/, ''), readFileSync(f, 'utf8')]));
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [dir, text] of want) expect(`${dir}:\n${got.get(dir)}`).toBe(`${dir}:\n${text}`);
}

describe.each(readdirSync(GOLDEN).sort())('golden case %s', (name) => {
  let ws: string;
  beforeAll(() => {
    ws = setUp(name);
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  test('gen writes the expected BUILD files', () => {
    gen({ workspace: ws });
    expectGolden(name, ws);
  });

  test('a second run changes nothing and --check agrees', () => {
    expect(gen({ workspace: ws }).changed).toEqual([]);
    expect(gen({ workspace: ws, check: true }).changed).toEqual([]);
  });
});

describe('gen', () => {
  test('reports the merged cycle with its path', () => {
    const ws = setUp('cycle');
    const r = gen({ workspace: ws });
    expect(describeCycles(r)).toEqual(['import cycle //pkg/c -> //pkg/d -> //pkg/c: merged into //pkg (Bazel targets cannot form cycles)']);
    rmSync(ws, { recursive: true, force: true });
  });

  test('--check detects drift without writing, and PATH limits what is written', () => {
    const ws = setUp('basic');
    gen({ workspace: ws });
    writeFileSync(join(ws, 'lib/util/extra.py'), 'import app.settings\n');
    const before = readFileSync(join(ws, 'lib/util/BUILD.bazel'), 'utf8');
    expect(gen({ workspace: ws, check: true }).changed).toEqual(['lib/util/BUILD.bazel']);
    expect(readFileSync(join(ws, 'lib/util/BUILD.bazel'), 'utf8')).toBe(before);
    expect(gen({ workspace: ws, paths: ['app'] }).changed).toEqual([]);
    expect(gen({ workspace: ws, paths: ['lib'] }).changed).toEqual(['lib/util/BUILD.bazel']);
    expect(readFileSync(join(ws, 'lib/util/BUILD.bazel'), 'utf8')).toContain('"extra.py",');
    rmSync(ws, { recursive: true, force: true });
  });

  test('par_modules.txt, when the workspace has one, lists every module with its target, through every root', () => {
    const ws = setUp('imports-root');
    expect(gen({ workspace: ws }).changed).not.toContain('par_modules.txt'); // opt-in: not created
    writeFileSync(join(ws, 'par_modules.txt'), '');
    expect(gen({ workspace: ws, check: true }).changed).toEqual(['par_modules.txt']);
    expect(gen({ workspace: ws }).changed).toEqual(['par_modules.txt']);
    expect(readFileSync(join(ws, 'par_modules.txt'), 'utf8')).toBe(INDEX_IMPORTS_ROOT);
    expect(gen({ workspace: ws, check: true }).changed).toEqual([]);
    rmSync(ws, { recursive: true, force: true });
  });

  test('a cycle between existing targets is reported, not merged', () => {
    const ws = setUp('cycle');
    gen({ workspace: ws });
    // e now imports back into itself through pkg: //pkg -> //pkg/e -> //pkg.
    writeFileSync(join(ws, 'pkg/c/p.py'), 'from pkg.d import q\nimport pkg.e.r\n');
    const r = gen({ workspace: ws });
    expect(describeCycles(r)).toEqual(['import cycle //pkg -> //pkg/e -> //pkg: break it in the code or merge these targets by hand']);
    expect(existsSync(join(ws, 'pkg/BUILD.bazel'))).toBe(true);
    rmSync(ws, { recursive: true, force: true });
  });
});

// Buildifier (the npm package's linux-x64 binary) agrees with every golden output.
const BUILDIFIER = join(__dirname, '../../node_modules/@bazel/buildifier-linux_x64/buildifier');
(existsSync(BUILDIFIER) && process.platform === 'linux' && process.arch === 'x64' ? test : test.skip)('golden BUILD.out files are buildifier-clean', () => {
  const outs = walk(GOLDEN).filter((f) => f.endsWith('/BUILD.out'));
  expect(outs.length).toBeGreaterThan(4);
  const r = spawnSync(BUILDIFIER, ['--mode=check', '--type=build', ...outs], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
