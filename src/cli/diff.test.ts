import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, writeArchive, writeStatus } from '../../tests/helpers/test-archives';
import { stamp } from '../packager/stamp';
import { diff, diffModel, flattenBuildInfo, human, renderDiff } from './diff';
import { run } from './main';

let s: ReturnType<typeof scratch>;
beforeEach(() => (s = scratch()));
afterEach(() => s.cleanup());

async function stamped(body: string, out: string, rev: string, extra: Record<string, string> = {}) {
  const stable = writeStatus(join(s.dir, `stable-${rev}.txt`), { STABLE_SCM_REVISION: rev, STABLE_SCM_DIRTY: 'false', STABLE_SCM_BRANCH: 'main', ...extra });
  const volatile = writeStatus(join(s.dir, `volatile-${rev}.txt`), { BUILD_TIMESTAMP: rev === 'aaa' ? '1700000000' : '1700003600' });
  await stamp({ in: body, out, label: '//app:pkg', stableStatus: stable, volatileStatus: volatile });
  return out;
}

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (x) => (out += x), err: (x) => (err += x) });
  return { code, out, err };
}

describe('par diff', () => {
  it('says two copies of one archive are the same', async () => {
    const a = await writeArchive(join(s.dir, 'a'), { 'app/main.py': 'print(1)\n' });
    const b = await writeArchive(join(s.dir, 'b'), { 'app/main.py': 'print(1)\n' });
    expect(await diff(a, b, false)).toBe(`${a} and ${b} are the same archive: same build info, launcher and files.\n`);
    expect((await diffModel(a, b)).identical).toBe(true);
  });

  it('two stamps of one body differ in build info only (the stamp entry is not listed as a file)', async () => {
    const body = await writeArchive(join(s.dir, 'body'), { 'app/main.py': 'print(1)\n' });
    const a = await stamped(body, join(s.dir, 'a'), 'aaa');
    const b = await stamped(body, join(s.dir, 'b'), 'bbb', { STABLE_TRAIN: 'r2' });
    const d = await diffModel(a, b);
    expect(d.identical).toBe(false);
    expect(d.build_info).toEqual([
      { field: 'revision', a: 'aaa', b: 'bbb' },
      { field: 'status.STABLE_TRAIN', a: null, b: 'r2' },
      { field: 'timestamp', a: '2023-11-14T22:13:20Z', b: '2023-11-14T23:13:20Z' },
    ]);
    expect(d.files).toEqual({ added: [], removed: [], changed: [], unchanged: 2 });
    expect(d.launcher).toBeNull();
    expect(renderDiff(d)).toBe(
      [
        `--- ${a}`,
        `+++ ${b}`,
        'build info:',
        '  revision             aaa -> bbb',
        '  status.STABLE_TRAIN  (none) -> r2',
        '  timestamp            2023-11-14T22:13:20Z -> 2023-11-14T23:13:20Z',
        `files: 0 added, 0 removed, 0 changed, 2 unchanged; archive ${human(d.size.a)} -> ${human(d.size.b)} (${d.size.b - d.size.a > 0 ? '+' : ''}${human(d.size.b - d.size.a)})`,
        '',
      ].join('\n'),
    );
  });

  it('lists added, removed and changed files with their sizes, and an unstamped vs stamped change', async () => {
    const a = await writeArchive(join(s.dir, 'a'), { 'app/main.py': 'print(1)\n', 'app/old.py': 'x = 1\n', 'app/data.bin': Buffer.alloc(3000, 1) }, { fingerprint: '1'.repeat(64) });
    const bodyB = await writeArchive(join(s.dir, 'bodyB'), { 'app/main.py': 'print(2)\n', 'app/new.py': 'y = 22\n', 'app/data.bin': Buffer.alloc(5000, 1) }, { fingerprint: '2'.repeat(64) });
    const b = await stamped(bodyB, join(s.dir, 'b'), 'bbb');
    const d = await diffModel(a, b);
    expect(d.files.added).toEqual([{ name: 'app/new.py', size: 7, compressed: expect.any(Number) }]);
    expect(d.files.removed).toEqual([{ name: 'app/old.py', size: 6, compressed: expect.any(Number) }]);
    expect(d.files.changed.map((c) => [c.name, c.a.size, c.b.size])).toEqual([
      ['__par__/_manifest.py', expect.any(Number), expect.any(Number)],
      ['app/data.bin', 3000, 5000],
      ['app/main.py', 9, 9],
    ]);
    expect(d.files.unchanged).toBe(0);
    expect(d.build_info.map((c) => c.field)).toEqual(['branch', 'dirty', 'fingerprint', 'revision', 'stamped', 'timestamp']);
    const text = renderDiff(d);
    expect(text).toContain('  stamped      false -> true\n');
    expect(text).toContain('  revision     (none) -> bbb\n');
    expect(text).toContain('files: 1 added, 1 removed, 3 changed, 0 unchanged;');
    expect(text).toContain('  + app/new.py            7 B\n');
    expect(text).toContain('  - app/old.py            6 B\n');
    expect(text).toContain('  ~ app/data.bin          2.9 KiB -> 4.9 KiB (+2.0 KiB)\n');
    expect(text).toContain('  ~ app/main.py           9 B -> 9 B (±0 B)\n');
    // --json is the same model, for scripts.
    const r = await cli('diff', '--json', a, b);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(d)));
  });

  it('notices a different launcher', async () => {
    const a = await writeArchive(join(s.dir, 'a'), { 'app/main.py': 'print(1)\n' });
    const b = await writeArchive(join(s.dir, 'b'), { 'app/main.py': 'print(1)\n' });
    const buf = require('node:fs').readFileSync(b) as Buffer;
    buf.write('python4', buf.indexOf('python3'), 'latin1'); // same length: offsets stay valid
    writeFileSync(b, buf);
    const d = await diffModel(a, b);
    expect(d.launcher).toEqual({ a: 33, b: 33 });
    expect(renderDiff(d)).toContain('launcher: differs (33 B -> 33 B)\n');
  });

  it('flattens several builds of one wheel by file name', () => {
    const w = (filename: string, sha256: string) => ({ name: 'fm', version: '1.0', sha256, filename });
    const f = flattenBuildInfo({ wheels: [w('fm-1.0-cp38-cp38-linux_x86_64.whl', 'a'), w('fm-1.0-cp39-cp39-linux_x86_64.whl', 'b')] });
    expect([...f.keys()]).toEqual(['wheels.fm[fm-1.0-cp38-cp38-linux_x86_64.whl]', 'wheels.fm[fm-1.0-cp39-cp39-linux_x86_64.whl]']);
  });

  it('flattens status keys and wheels by name', () => {
    const f = flattenBuildInfo({ revision: 'r', status: { STABLE_X: '1' }, wheels: [{ name: 'numpy', version: '2.0.0', sha256: 'ab' }] });
    expect([...f.entries()]).toEqual([['revision', 'r'], ['status.STABLE_X', '1'], ['wheels.numpy', { version: '2.0.0', sha256: 'ab' }]]);
  });

  it('errors: wrong number of arguments, a missing file, a file that is not an archive', async () => {
    expect(await cli('diff', 'only-one')).toEqual({ code: 2, out: '', err: 'par diff: error: par diff: arguments: name exactly two archives: par diff A B\n' });
    const a = await writeArchive(join(s.dir, 'a'), {});
    const missing = join(s.dir, 'missing');
    expect(await cli('diff', a, missing)).toEqual({
      code: 1, out: '', err: `par diff: error: ${missing} does not exist par diff compares two archive files: par diff OLD NEW.\n`,
    });
    const text = join(s.dir, 'notes.txt');
    writeFileSync(text, 'just text\n');
    const r = await cli('diff', text, a);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^par diff: error: ${text} is not a rules_par archive: `));
  });
});
