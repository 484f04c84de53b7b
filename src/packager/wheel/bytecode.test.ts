// Build-time bytecode for wheels: compiled by a real interpreter, placed where zipimport and
// SourceFileLoader look, only when the toolchain's minor can use it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closeCompilers } from '../pyc';
import type { LoadedWheels } from './bundle';
import { compilesFor, compileWheels, pycPath } from './bytecode';
import { readWheelBytecode, writeWheelBytecode } from './bytecode-bundle';
import { readWheel } from './read-wheel';

const PY = '/usr/bin/python3';
const COMPILER = resolve(__dirname, '../../../rules/private/tools/compile_pyc.py');

// Writes a wheel whose RECORD matches its files (sources given as latin-1 byte strings).
const MAKE = String.raw`
import base64, hashlib, json, sys, zipfile
out, files = sys.argv[1], [(n, d.encode("latin-1")) for n, d in json.loads(sys.argv[2])]
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "demo-1.0.dist-info/"
files += [(di + "METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"), (di + "WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files: z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d)
    z.writestr(di + "RECORD", "".join("%s,%s,%d\n" % (n, h(d), len(d)) for n, d in files) + di + "RECORD,,\n")
`;

const running = JSON.parse(
  spawnSync(PY, ['-S', '-c', 'import sys,json;print(json.dumps([sys.version.split()[0], sys.implementation.cache_tag]))'], { encoding: 'utf8' }).stdout,
) as [string, string];
const minor = Number(running[0].split('.')[1]);
const header = { label: '//:app', build_python: { version: running[0], cache_tag: running[1] } };

const SOURCES: [string, string][] = [
  ['demo/__init__.py', 'X = 1\n'],
  ['demo/latin.py', '# -*- coding: latin-1 -*-\nWORD = "caf\xe9"\n'],
  ['demo/broken.py', 'def (:\n'],
  ['demo/tests/test_demo.py', 'def test(): pass\n'],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-bytecode-'));
});
afterAll(() => {
  closeCompilers();
  rmSync(dir, { recursive: true, force: true });
});

async function loaded(filename: string, zipSafe = true, minors = [`3.${minor}`]): Promise<LoadedWheels> {
  const file = join(dir, filename);
  const r = spawnSync(PY, ['-S', '-c', MAKE, file, JSON.stringify(SOURCES)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const info = await readWheel(file, { label: '//third_party:demo', requiresCheck: 'off', zipSafe });
  return { wheels: [info], groups: [[info]], files: new Map([[info.label, file]]), warnings: [], minors };
}

/** Runs a .pyc's code object in a fresh interpreter and returns the named global. */
function runPyc(pyc: Buffer, name: string): string {
  const code = `import sys,marshal;d=sys.stdin.buffer.read();g={};exec(marshal.loads(d[16:]),g);print(ascii(g[${JSON.stringify(name)}]))`;
  const r = spawnSync(PY, ['-S', '-c', code], { input: pyc, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

test('pycPath: beside the source in a zip, __pycache__ with the cache tag when extracted', () => {
  expect(pycPath('pkg/mod.py', false, 'cpython-311')).toBe('pkg/mod.pyc');
  expect(pycPath('pkg/mod.py', true, 'cpython-311')).toBe('pkg/__pycache__/mod.cpython-311.pyc');
  expect(pycPath('top.py', true, 'cpython-311')).toBe('__pycache__/top.cpython-311.pyc');
});

test('a zip-imported wheel gets <mod>.pyc beside each source; tests/ and uncompilable files stay source', async () => {
  const l = await loaded('demo-1.0-py3-none-any.whl');
  const bc = await compileWheels(l, header, PY, COMPILER, () => '_w/demo-1.0');
  expect([...bc.files.keys()].sort()).toEqual(['_w/demo-1.0/demo/__init__.pyc', '_w/demo-1.0/demo/latin.pyc']);
  const latin = bc.files.get('_w/demo-1.0/demo/latin.pyc')!;
  expect(latin.readUInt32LE(4)).toBe(0b01); // PEP 552: hash-based, unchecked
  expect(runPyc(latin, 'WORD')).toBe("'caf\\xe9'"); // decoded as latin-1, as the coding line says
  expect(bc.digests.get('//third_party:demo')).toMatch(/^[0-9a-f]{64}$/);
});

test('an extracted wheel gets __pycache__/<mod>.<cache_tag>.pyc under layout = "extract", and none in the zip layout (compiled at its first extraction)', async () => {
  const l = await loaded('demo-1.0-py3-none-any.whl', false);
  expect(l.wheels[0].extract).toBe(true);
  const unpacked = await compileWheels(l, header, PY, COMPILER, () => 'w', true);
  expect([...unpacked.files.keys()].sort()).toEqual([`w/demo/__pycache__/__init__.${running[1]}.pyc`, `w/demo/__pycache__/latin.${running[1]}.pyc`]);
  const zipLayout = await compileWheels(l, header, PY, COMPILER, () => 'w');
  expect([...zipLayout.files.keys()]).toEqual([]);
  expect(zipLayout.digests.size).toBe(0); // its cache key is the wheel's sha256 alone
});

test('the same wheel compiles to the same bytes (cache keys are stable)', async () => {
  const a = await compileWheels(await loaded('demo-1.0-py3-none-any.whl'), header, PY, COMPILER, () => 'w');
  const b = await compileWheels(await loaded('demo-1.0-py3-none-any.whl'), header, PY, COMPILER, () => 'w');
  expect(b.digests).toEqual(a.digests);
});

test('no bytecode when the toolchain minor cannot use it', async () => {
  const other = `cp3${minor + 1}`;
  const l = await loaded(`demo-1.0-${other}-${other}-manylinux_2_17_x86_64.whl`, true, [`3.${minor + 1}`]);
  expect(compilesFor(l.wheels[0], minor, l.minors)).toBe(false);
  expect((await compileWheels(l, header, PY, COMPILER, () => 'w')).files.size).toBe(0);
  // A py3 wheel in a binary that never runs on the toolchain's minor: none either.
  const pure = await loaded('demo-1.0-py3-none-any.whl', true, [`3.${minor + 1}`]);
  expect(compilesFor(pure.wheels[0], minor, pure.minors)).toBe(false);
  expect(compilesFor(pure.wheels[0], minor, [`3.${minor}`])).toBe(true);
});

describe('per-wheel bytecode (the python_wheel target compiles, binaries reuse)', () => {
  const infoFile = () => join(dir, 'demo.wheel.json');
  async function bundleFor(cacheTag = running[1]): Promise<{ wheel: string; out: string }> {
    const l = await loaded('demo-1.0-py3-none-any.whl');
    writeFileSync(infoFile(), JSON.stringify(l.wheels[0]));
    const out = join(dir, `demo-${cacheTag}.wheel.pyc`);
    await writeWheelBytecode({
      wheel: l.files.get(l.wheels[0].label)!, info: infoFile(), label: '//third_party:demo', python: PY,
      pythonVersion: running[0], cacheTag, compiler: COMPILER, out,
    });
    return { wheel: l.files.get(l.wheels[0].label)!, out };
  }

  test('a binary using the bundle gets the bytes it would have compiled, and compiles nothing', async () => {
    const { out } = await bundleFor();
    const pycs = readWheelBytecode(out, '//third_party:demo', running[1])!;
    expect([...pycs.keys()]).toEqual(['demo/__init__.py', 'demo/latin.py']); // tests/ and broken.py left out
    const l = await loaded('demo-1.0-py3-none-any.whl');
    const own = await compileWheels(l, header, PY, COMPILER, (w) => `_w/${w.normalized}-${w.version}`);
    // A compiler that cannot run proves nothing is compiled.
    const reused = await compileWheels(l, header, PY, '/nonexistent/compile_pyc.py', (w) => `_w/${w.normalized}-${w.version}`, false, new Map([['//third_party:demo', pycs]]));
    expect([...reused.files.keys()]).toEqual([...own.files.keys()]);
    for (const [k, v] of own.files) expect(reused.files.get(k)!.equals(v)).toBe(true);
    expect(reused.digests).toEqual(own.digests);
  });

  test('made for another interpreter: not used (the binary compiles for itself)', async () => {
    const { out } = await bundleFor('cpython-299');
    expect(readWheelBytecode(out, '//third_party:demo', running[1])).toBeUndefined();
  });

  test('another wheel or a damaged file: an error naming the wheel and the file', async () => {
    const { out } = await bundleFor();
    expect(() => readWheelBytecode(out, '//third_party:other', running[1])).toThrow(`${out} is not a wheel bytecode bundle: it is the bytecode of //third_party:demo`);
    const cut = join(dir, 'cut.wheel.pyc');
    writeFileSync(cut, readFileSync(out).subarray(0, -10));
    expect(() => readWheelBytecode(cut, '//third_party:demo', running[1])).toThrow(/demo\/latin\.py \(\d+ bytes at \d+\) runs past its end/);
    writeFileSync(cut, 'par-wheel-bytecode-1\n{"label": 3}\n');
    expect(() => readWheelBytecode(cut, '//third_party:demo', running[1])).toThrow(/not a wheel bytecode bundle: label: /);
    writeFileSync(cut, 'PK\x03\x04');
    expect(() => readWheelBytecode(cut, '//third_party:demo', running[1])).toThrow(/it does not start with par-wheel-bytecode-1/);
  });
});
