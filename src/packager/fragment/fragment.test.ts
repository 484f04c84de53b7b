// Fragments through the verbs Bazel runs: `par fragment` writes one per target, `par pack`
// splices them. Real interpreter (/usr/bin/python3), real archives run at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipReader } from '../../archive/zip';
import { buildVersion, COMPILER, par, PY, writeManifest } from '../../../tests/helpers/pack-archive';
import { INDEX_ENTRY, readFragmentIndex } from './format';

let dir: string;
const tag = () => `cpython-${buildVersion().split('.').slice(0, 2).join('')}`;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-fragment-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function source(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function fragment(name: string, label: string, srcs: [string, string][], cacheTag = tag()): Promise<{ code: number; err: string; file: string }> {
  const file = join(dir, `${name}.parf`);
  const r = await par(['fragment', '--label', label, '--python', PY, '--cache-tag', cacheTag, '--compiler', COMPILER, '--out', file, ...srcs.flatMap(([p, f]) => ['--src', `${p}\t${f}`])]);
  return { code: r.code, err: r.err, file };
}

async function entries(file: string): Promise<Map<string, { raw: Buffer; data: Buffer }>> {
  const z = await ZipReader.open(file);
  try {
    const out = new Map<string, { raw: Buffer; data: Buffer }>();
    for (const e of z.entries) out.set(e.name, { raw: await z.readRaw(e), data: await z.read(e) });
    return out;
  } finally {
    await z.close();
  }
}

const fragLine = (file: string, owner: string) => ({ t: 'fragment', kind: 'src', file, owner });

test('a fragment is a zip: its index first, then each source and its bytecode; the same inputs give the same bytes', async () => {
  const a = source('a_mod.py', 'X = 1\n');
  const b = source('a_init.py', '');
  const one = await fragment('lib1', '//lib:a', [['lib/mod.py', a], ['lib/__init__.py', b]]);
  const two = await fragment('lib2', '//lib:a', [['lib/__init__.py', b], ['lib/mod.py', a]]);
  expect([one.code, one.err, two.code]).toEqual([0, '', 0]);
  expect(readFileSync(one.file).equals(readFileSync(two.file))).toBe(true);
  const got = await entries(one.file);
  expect([...got.keys()]).toEqual([INDEX_ENTRY, 'lib/__init__.py', 'lib/__init__.pyc', 'lib/mod.py', 'lib/mod.pyc']);
  const index = readFragmentIndex(one.file, '//lib:a', '//app:pkg');
  expect(index.sources.map((s) => [s[0], s[2]])).toEqual([['lib/__init__.py', true], ['lib/mod.py', true]]);
  expect(index.cache_tag).toBe(tag());
  expect(got.get('lib/mod.pyc')!.data.readUInt32LE(4)).toBe(1); // PEP 552 unchecked hash
});

test('pack splices fragments raw: the archive runs, and its .pyc is the fragment\'s deflate stream byte for byte', async () => {
  const main = await fragment('app', '//app:pkg', [['app/main.py', source('main.py', 'from lib import mod\nprint("sum", mod.X + 1)\n')]]);
  const lib = await fragment('lib', '//lib:a', [['lib/__init__.py', source('init.py', '')], ['lib/mod.py', source('mod.py', 'X = 41\n')]]);
  const m = writeManifest(dir, 'spliced', {}, [fragLine(main.file, '//app:pkg'), fragLine(lib.file, '//lib:a')]);
  const out = join(dir, 'spliced.par');
  expect(await par(['pack', '--manifest', m, '--out', out, '--python', PY, '--compiler', COMPILER])).toEqual({ code: 0, out: '', err: '' });
  expect(spawnSync(PY, [out], { encoding: 'utf8', env: {} }).stdout).toBe('sum 42\n');
  const archive = await entries(out);
  const frag = await entries(lib.file);
  expect(archive.get('lib/mod.pyc')!.raw.equals(frag.get('lib/mod.pyc')!.raw)).toBe(true);
  expect(archive.get('lib/mod.py')!.raw.equals(frag.get('lib/mod.py')!.raw)).toBe(true);
  expect(archive.has(INDEX_ENTRY)).toBe(false);
  // compression_level 1: re-encoded at that level, still the same code.
  const m1 = writeManifest(dir, 'level1', { compression_level: 1 }, [fragLine(main.file, '//app:pkg'), fragLine(lib.file, '//lib:a')]);
  const out1 = join(dir, 'level1.par');
  expect((await par(['pack', '--manifest', m1, '--out', out1, '--python', PY, '--compiler', COMPILER])).code).toBe(0);
  expect(spawnSync(PY, [out1], { encoding: 'utf8', env: {} }).stdout).toBe('sum 42\n');
  expect((await entries(out1)).get('lib/mod.pyc')!.data.equals(frag.get('lib/mod.pyc')!.data)).toBe(true);
});

test('a fragment made for another interpreter is compiled again by the pack; layout = "extract" moves its .pyc to __pycache__', async () => {
  const main = await fragment('other', '//app:pkg', [['app/main.py', source('other.py', 'print("other")\n')]], 'cpython-0');
  const m = writeManifest(dir, 'other', { layout: 'extract' }, [fragLine(main.file, '//app:pkg')]);
  const out = join(dir, 'other.par');
  expect(await par(['pack', '--manifest', m, '--out', out, '--python', PY, '--compiler', COMPILER])).toEqual({ code: 0, out: '', err: '' });
  const names = [...(await entries(out)).keys()];
  expect(names).toContain(`app/__pycache__/main.${tag()}.pyc`);
  expect(names).not.toContain('app/main.pyc');
  expect(spawnSync(PY, [out], { encoding: 'utf8', env: { HOME: dir } }).stdout).toBe('other\n');
});

test('a syntax error fails a binary that compiles, naming file and line, and not one with compile = False', async () => {
  const bad = await fragment('bad', '//app:pkg', [['app/main.py', source('bad.py', 'print("ok")\ndef broken(:\n')]]);
  expect([bad.code, bad.err]).toEqual([0, '']); // recorded: the binary decides
  const m = writeManifest(dir, 'bad', {}, [fragLine(bad.file, '//app:pkg')]);
  const r = await par(['pack', '--manifest', m, '--out', join(dir, 'bad.par'), '--python', PY, '--compiler', COMPILER]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/\/\/app:pkg: Python syntax errors:\n\s+app\/main\.py:2: /);
  const off = writeManifest(dir, 'bad-off', { compile: false }, [fragLine(bad.file, '//app:pkg')]);
  expect((await par(['pack', '--manifest', off, '--out', join(dir, 'bad-off.par'), '--python', PY, '--compiler', COMPILER])).code).toBe(0);
});

test('two fragments giving one path: the same bytes are shipped once, different bytes name both targets', async () => {
  const main = await fragment('dmain', '//app:pkg', [['app/main.py', source('dmain.py', 'import shared\nprint(shared.V)\n')]]);
  const one = await fragment('d1', '//lib:one', [['shared.py', source('s1.py', 'V = 1\n')]]);
  const same = await fragment('d2', '//lib:two', [['shared.py', source('s2.py', 'V = 1\n')]]);
  const other = await fragment('d3', '//lib:three', [['shared.py', source('s3.py', 'V = 3\n')]]);
  const ok = writeManifest(dir, 'dup-same', {}, [fragLine(main.file, '//app:pkg'), fragLine(one.file, '//lib:one'), fragLine(same.file, '//lib:two')]);
  expect((await par(['pack', '--manifest', ok, '--out', join(dir, 'dup-same.par'), '--python', PY, '--compiler', COMPILER])).code).toBe(0);
  expect(spawnSync(PY, [join(dir, 'dup-same.par')], { encoding: 'utf8', env: {} }).stdout).toBe('1\n');
  const clash = writeManifest(dir, 'dup-diff', {}, [fragLine(main.file, '//app:pkg'), fragLine(one.file, '//lib:one'), fragLine(other.file, '//lib:three')]);
  const r = await par(['pack', '--manifest', clash, '--out', join(dir, 'dup-diff.par'), '--python', PY, '--compiler', COMPILER]);
  expect(r.code).toBe(1);
  expect(r.err).toContain('two deps provide shared.py with different content: //lib:one');
  expect(r.err).toContain('//lib:three');
});

test('a damaged or foreign fragment is refused, naming the fragment and its target', async () => {
  const good = await fragment('good', '//lib:a', [['lib/x.py', source('x.py', 'X = 1\n')]]);
  const main = await fragment('gmain', '//app:pkg', [['app/main.py', source('gmain.py', 'print(1)\n')]]);
  const tryPack = async (name: string, file: string, owner: string) => {
    const m = writeManifest(dir, name, {}, [fragLine(main.file, '//app:pkg'), fragLine(file, owner)]);
    return par(['pack', '--manifest', m, '--out', join(dir, `${name}.par`), '--python', PY, '--compiler', COMPILER]);
  };
  const foreign = await tryPack('foreign', good.file, '//lib:b');
  expect(foreign.err).toContain(`${good.file} is not a fragment of //lib:b: it is the fragment of //lib:a`);
  const garbage = join(dir, 'garbage.parf');
  writeFileSync(garbage, 'not a zip at all, just text that is long enough');
  expect((await tryPack('garbage', garbage, '//lib:a')).err).toContain(`${garbage} is not a fragment of //lib:a: its first entry is not a stored ${INDEX_ENTRY}`);
  const cut = join(dir, 'cut.parf');
  const bytes = readFileSync(good.file);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 30)); // directory damaged
  const r = await tryPack('cut', cut, '//lib:a');
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${cut} is not a fragment of //lib:a: `);
});

test('the bootstrap fragment: only the files boot-files.ts picks are spliced, the blob modules\' .pyc only into the blob', async () => {
  const bootDir = join(__dirname, '../../bootstrap');
  const bootSrcs: [string, string][] = ['__main__.py', ...readdirSync(join(bootDir, '__par__')).filter((f) => f.endsWith('.py')).map((f) => `__par__/${f}`)].map((p) => [p, join(bootDir, p)]);
  const boot = await fragment('boot', '@rules_par//src/bootstrap:fragment', bootSrcs);
  const main = await fragment('app2', '//app:pkg', [['app/main.py', source('main2.py', 'print("from the boot fragment")\n')]]);
  expect([boot.code, boot.err, main.code]).toEqual([0, '', 0]);
  const loose = writeManifest(dir, 'bootfrag', {}, [fragLine(main.file, '//app:pkg')]);
  // The rules' shape: launcher.sh as a boot file, the Python bootstrap as one fragment.
  const lines = readFileSync(loose, 'utf8').trim().split('\n').filter((l) => !(JSON.parse(l).t === 'boot' && JSON.parse(l).path !== 'launcher.sh'));
  lines.push(JSON.stringify({ t: 'fragment', kind: 'boot', file: boot.file, owner: '@rules_par//src/bootstrap:fragment' }));
  writeFileSync(loose, lines.join('\n') + '\n');
  const out = join(dir, 'bootfrag.par');
  expect(await par(['pack', '--manifest', loose, '--out', out, '--python', PY, '--compiler', COMPILER])).toEqual({ code: 0, out: '', err: '' });
  const names = [...(await entries(out)).keys()];
  expect(names).toEqual(expect.arrayContaining(['__main__.pyc', '__par__/_boot.py', '__par__/_localcopy.pyc', '__par__/_select.py']));
  for (const n of ['__par__/_boot.pyc', '__par__/__init__.pyc', '__par__/_blob_start.pyc', '__par__/_select.pyc', '__par__/_testrunner.py', '__par__/_wheels.py']) expect(names).not.toContain(n);
  for (const argv of [[out], [PY, out]]) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PAR_DEBUG_STARTUP: '1' } });
    expect([r.stdout, r.stderr]).toEqual(['from the boot fragment\n', expect.stringMatching(/^par: launch blob +\d/m)]);
  }
});
