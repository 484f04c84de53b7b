// Issue 20 (small archives): what the size decisions must not cost. One archive packed by the
// verb Bazel runs (`par pack`, real bootstrap, /usr/bin/python3 as the toolchain), then run
// under every pyenv Python 3.8-3.13 present and the build one, started both ways (`./ARCHIVE`
// and `python ARCHIVE`): tracebacks show their source lines, inspect.getsource and
// importlib.resources work. Packing twice gives the same bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { COMPILER, par, PY, writeManifest } from '../helpers/pack-archive';
import { launchBlobNames, readFastField } from '../../src/archive/launch-blob';
import { describeWheel } from '../../src/packager/wheel/describe';
import { ZipReader } from '../../src/archive/zip';
import { missingPyenv, pyenvInterpreters, scratch, testUnless } from './harness';

jest.setTimeout(5 * 60_000);

const MINORS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
const dir = scratch('par-size-');
let archive = '';

const MAIN = [
  'import importlib.resources, inspect, sys',
  'from app import helper',
  'res = importlib.resources',
  '# files() from 3.9 on; read_text() before (deprecated, and warns, on 3.11-3.12)',
  'text = res.files("app").joinpath("greeting.txt").read_text() if hasattr(res, "files") else res.read_text("app", "greeting.txt")',
  'print(text.strip())',
  'print(inspect.getsource(helper.fail).splitlines()[1].strip())',
  'print("%d.%d" % sys.version_info[:2])',
  'helper.fail()',
].join('\n') + '\n';
const HELPER = 'def fail():\n    raise ValueError("boom from helper")\n';

// nsdemo: nsdemo/ is a namespace package (no __init__.py), nsdemo/sub a package with a resource.
const MAKE_WHEEL = String.raw`
import base64, hashlib, sys, zipfile
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "nsdemo-1.0.dist-info/"
files = [("nsdemo/sub/__init__.py", b"import os\nWHERE = os.path.dirname(__file__)\n"),
         ("nsdemo/sub/words.txt", b"a resource from a wheel\n"),
         (di + "METADATA", b"Metadata-Version: 2.1\nName: nsdemo\nVersion: 1.0\n"),
         (di + "WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files: z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d, zipfile.ZIP_DEFLATED)
    z.writestr(di + "RECORD", "".join("%s,%s,%d\n" % (n, h(d), len(d)) for n, d in files) + di + "RECORD,,\n")
`;
const WHEEL_MAIN = [
  'import importlib.resources, os, sys',
  'import nsdemo.sub',
  'res = importlib.resources',
  'text = res.files("nsdemo.sub").joinpath("words.txt").read_text() if hasattr(res, "files") else res.read_text("nsdemo.sub", "words.txt")',
  'print(text.strip())',
  'print(os.path.isfile(os.path.join(nsdemo.sub.WHERE, "words.txt")), list(nsdemo.__path__)[0].endswith("/nsdemo"))',
  'print("%d.%d" % sys.version_info[:2])',
].join('\n') + '\n';

beforeAll(async () => {
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/__init__.py'), '');
  writeFileSync(join(dir, 'app/main.py'), MAIN);
  writeFileSync(join(dir, 'app/helper.py'), HELPER);
  writeFileSync(join(dir, 'app/greeting.txt'), 'hello from a resource\n');
  const lines = [
    { t: 'src', path: 'app/__init__.py', file: join(dir, 'app/__init__.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/helper.py', file: join(dir, 'app/helper.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/main.py', file: join(dir, 'app/main.py'), owner: '//app:pkg' },
    { t: 'data', path: 'app/greeting.txt', file: join(dir, 'app/greeting.txt'), owner: '//app:pkg' },
  ];
  const m = writeManifest(dir, 'size', {}, lines);
  const small = writeManifest(dir, 'small', { compile: false }, lines);
  // A wheel unpacked at launch (zip_safe = False, as a native one is): a namespace package
  // and a resource, read after the unpacking (the zip holds no directory entries for it).
  const wheel = join(dir, 'nsdemo-1.0-py3-none-any.whl');
  const made = spawnSync(PY, ['-S', '-c', MAKE_WHEEL, wheel], { encoding: 'utf8' });
  expect(made.stderr).toBe('');
  const info = join(dir, 'nsdemo.wheel.json');
  await describeWheel({ wheel, label: '//third_party:nsdemo', out: info, requiresCheck: 'error', zipSafe: false });
  writeFileSync(join(dir, 'app/wmain.py'), WHEEL_MAIN);
  const withWheel = writeManifest(dir, 'wheel', { main: 'app/wmain.py', main_module: 'app.wmain' }, [
    ...lines.filter((l) => l.path !== 'app/main.py'),
    { t: 'src', path: 'app/wmain.py', file: join(dir, 'app/wmain.py'), owner: '//app:pkg' },
    { t: 'wheel', label: '//third_party:nsdemo', file: wheel, info },
  ]);
  for (const [out, manifest] of [['a.par', m], ['b.par', m], ['small.par', small], ['wheel.par', withWheel]]) {
    const r = await par(['pack', '--manifest', manifest, '--out', join(dir, out), '--python', PY, '--compiler', COMPILER]);
    expect(r).toEqual({ code: 0, out: '', err: '' });
  }
  archive = join(dir, 'a.par');
});

test('packing twice gives byte-identical archives', () => {
  expect(readFileSync(join(dir, 'a.par')).equals(readFileSync(join(dir, 'b.par')))).toBe(true);
});

test('a plain binary carries no test runner, wheel or native-code modules, and no .pyc of the blob modules; the blob is deflated', async () => {
  const r = await ZipReader.open(archive);
  try {
    const names = r.entries.map((e) => e.name);
    for (const n of ['__par__/_testrunner.py', '__par__/_coverage.py', '__par__/_wheels.py', '__par__/_native.py', '__par__/_boot.pyc', '__par__/__init__.pyc', '__par__/_manifest.pyc']) {
      expect(names).not.toContain(n);
    }
    expect(names).toEqual(expect.arrayContaining(['__par__/_boot.py', '__par__/_select.py', '__main__.pyc', 'app/helper.py', 'app/helper.pyc']));
    expect(names).not.toContain('__par__/_select.pyc'); // a rare path: source only
    const field = readFastField(readFileSync(archive).subarray(0, 8192))!;
    const blob = readFileSync(archive).subarray(field.blob!.offset, field.blob!.offset + field.blob!.length);
    expect(inflateRawSync(blob).length).toBeGreaterThan(2 * blob.length);
  } finally {
    await r.close();
  }
});

function run(py: string, direct: boolean, file = archive, extra: Record<string, string> = {}) {
  const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_PYTHON: py, ...extra };
  return direct ? spawnSync(py, [file], { encoding: 'utf8', env }) : spawnSync(file, [], { encoding: 'utf8', env });
}

const pyenv = pyenvInterpreters();
describe.each(MINORS)('under Python %s', (minor) => {
  for (const [direct, small] of [[false, false], [true, false], [false, true], [true, true]]) {
    testUnless(missingPyenv([minor]))(`${direct ? 'python ARCHIVE' : './ARCHIVE'}${small ? ' (compile = False)' : ''}: resources, inspect.getsource, and a traceback with its source line`, () => {
      const r = run(pyenv.get(minor)!, direct, small ? join(dir, 'small.par') : archive);
      expect(r.stdout).toBe(`hello from a resource\nraise ValueError("boom from helper")\n${minor}\n`);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/File "(.*\/)?app\/helper\.py", line 2, in fail\n +raise ValueError\("boom from helper"\)\n/);
      expect(r.stderr).toMatch(/File "(.*\/)?app\/main\.py", line 9, in <module>\n +helper\.fail\(\)\n/);
      expect(r.stderr).toMatch(/ValueError: boom from helper\n$/);
    });
  }
});

// A wheel unpacked at launch is read from the zip by name only: no directory entries under
// its directory, no place in the launch blob's copy of zipimport's directory.
test('a wheel unpacked at launch: no directory entries under its directory, not in the launch blob', async () => {
  const file = join(dir, 'wheel.par');
  const r = await ZipReader.open(file);
  try {
    const names = r.entries.map((e) => e.name);
    expect(names.filter((n) => n.startsWith('_w/')).sort()).toEqual([
      '_w/nsdemo-1.0/nsdemo-1.0.dist-info/METADATA',
      '_w/nsdemo-1.0/nsdemo-1.0.dist-info/RECORD',
      '_w/nsdemo-1.0/nsdemo-1.0.dist-info/WHEEL',
      '_w/nsdemo-1.0/nsdemo/sub/__init__.py',
      '_w/nsdemo-1.0/nsdemo/sub/words.txt',
    ]);
    expect(names).toEqual(expect.arrayContaining(['app/', '__par__/', 'app/wmain.py']));
    const bytes = readFileSync(file);
    const field = readFastField(bytes.subarray(0, 8192))!;
    const listed = launchBlobNames(bytes.subarray(field.blob!.offset, field.blob!.offset + field.blob!.length), file);
    expect([...listed].filter((n) => n.startsWith('_w'))).toEqual([]);
    expect([...listed]).toEqual(expect.arrayContaining(['app/wmain.pyc', '__par__/_manifest.py']));
  } finally {
    await r.close();
  }
});

const WHEEL_OUT = (minor: string) => `a resource from a wheel\nTrue True\n${minor}\n`;
describe.each(MINORS)('a wheel unpacked at launch, under Python %s', (minor) => {
  for (const direct of [false, true]) {
    testUnless(missingPyenv([minor]))(`${direct ? 'python ARCHIVE' : './ARCHIVE'}: its namespace package and resource work from the unpacked copy`, () => {
      const r = run(pyenv.get(minor)!, direct, join(dir, 'wheel.par'), { PAR_ROOT: join(dir, `root-${minor}-${direct}`) });
      expect({ stdout: r.stdout, stderr: r.stderr, status: r.status }).toEqual({ stdout: WHEEL_OUT(minor), stderr: '', status: 0 });
    });
  }
});

test.each([
  ['./ARCHIVE', {}],
  ['PAR_LAUNCH_BLOB=0', { PAR_LAUNCH_BLOB: '0' }],
])('a wheel unpacked at launch, the build interpreter, %s: the same', (_, extra) => {
  const root = join(scratch('par-size-w-'), 'root');
  const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_ROOT: root, PAR_DEBUG_STARTUP: '1', ...extra };
  const r = spawnSync(join(dir, 'wheel.par'), [], { encoding: 'utf8', env });
  expect(r.stdout).toMatch(/^a resource from a wheel\nTrue True\n3\.\d+\n$/);
  expect(r.status).toBe(0);
  if ('PAR_LAUNCH_BLOB' in extra) expect(r.stderr).not.toMatch(/^par: launch blob/m);
  else expect(r.stderr).toMatch(/^par: launch blob +\d/m);
});

test.each([false, true])('the build interpreter (python ARCHIVE: %s): the same, from the launch blob', (direct) => {
  const r = spawnSync(direct ? PY : archive, direct ? [archive] : [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_DEBUG_STARTUP: '1' } });
  expect(r.stdout).toMatch(/^hello from a resource\nraise ValueError\("boom from helper"\)\n3\.\d+\n$/);
  expect(r.stderr).toMatch(/^par: launch blob +\d/m);
  expect(r.stderr).toMatch(/File "(.*\/)?app\/helper\.py", line 2, in fail\n +raise ValueError\("boom from helper"\)\n/);
});

// compile = False, the small-archive mode: no .pyc of the program in the zip; the build
// interpreter compiles it at the first launch into the per-user bytecode cache
// (__par__/_bytecode.py) and loads it from there after, as other minors do.
describe('compile = False', () => {
  const small = () => join(dir, 'small.par');
  const TRACE = /File "(.*\/)?app\/helper\.py", line 2, in fail\n +raise ValueError\("boom from helper"\)\n/;

  test('ships no .pyc of the program, and the cache module compiled', async () => {
    const r = await ZipReader.open(small());
    try {
      const names = r.entries.map((e) => e.name);
      expect(names.filter((n) => n.startsWith('app/')).sort()).toEqual(['app/', 'app/__init__.py', 'app/greeting.txt', 'app/helper.py', 'app/main.py']);
      expect(names).toEqual(expect.arrayContaining(['__par__/_bytecode.pyc', '__main__.pyc']));
    } finally {
      await r.close();
    }
  });

  test.each([false, true])('the build interpreter (python ARCHIVE: %s): compiles once, then loads every module from the cache; tracebacks keep their lines', (direct) => {
    const root = join(scratch('par-size-bc-'), 'root');
    const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_ROOT: root, TMPDIR: dir, PAR_DEBUG_STARTUP: '1' };
    const launch = () => spawnSync(direct ? PY : small(), direct ? [small()] : [], { encoding: 'utf8', env });
    const tag = spawnSync(PY, ['-S', '-c', 'import sys; print(sys.implementation.cache_tag)'], { encoding: 'utf8' }).stdout.trim();
    const first = launch();
    expect(first.stdout).toMatch(/^hello from a resource\nraise ValueError\("boom from helper"\)\n3\.\d+\n$/);
    expect(first.status).toBe(1);
    expect(first.stderr).toMatch(/^par: launch blob +\d/m);
    expect(first.stderr).toContain(`par: bytecode cache: 0 modules for ${tag} in None (read by __par__, build interpreter)\n`);
    // app, app.main, app.helper (and whatever of the bootstrap ships as source only)
    expect(first.stderr).toMatch(new RegExp(`^par: bytecode cache: 0 loaded, ([3-9]|\\d\\d+) compiled; wrote \\d+ modules to ${root}/bytecode/[0-9a-f]{64}-${tag}/bundle$`, 'm'));
    expect(first.stderr).toMatch(TRACE);

    const second = launch();
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain(`par: bytecode cache: `);
    expect(second.stderr).toMatch(new RegExp(`^par: bytecode cache: \\d+ modules for ${tag} in ${root} \\(read by __par__, build interpreter\\)$`, 'm'));
    expect(second.stderr).toMatch(/^par: bytecode cache: ([3-9]|\d\d+) loaded, 0 compiled; nothing new to write$/m);
    expect(second.stderr).toMatch(TRACE);
    expect(second.stderr).toMatch(/File "(.*\/)?app\/main\.py", line 9, in <module>\n +helper\.fail\(\)\n/);
  });

  test('PAR_LAUNCH_BLOB=0 (the bootstrap through zipimport, __par__ from source): the same cache, no rewrite', () => {
    const root = join(scratch('par-size-bc-'), 'root');
    const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_ROOT: root, TMPDIR: dir, PAR_LAUNCH_BLOB: '0', PAR_DEBUG_STARTUP: '1' };
    const first = spawnSync(small(), [], { encoding: 'utf8', env });
    expect(first.stderr).toMatch(/^par: bytecode cache: 0 loaded, ([3-9]|\d\d+) compiled; wrote \d+ modules to /m);
    const second = spawnSync(small(), [], { encoding: 'utf8', env });
    expect(second.stdout).toMatch(/^hello from a resource\n/);
    expect(second.stderr).not.toMatch(/^par: launch blob/m);
    expect(second.stderr).toContain(' (read by __par__, build interpreter)\n');
    expect(second.stderr).toMatch(/^par: bytecode cache: ([3-9]|\d\d+) loaded, 0 compiled; nothing new to write$/m);
    expect(second.stderr).toMatch(TRACE);
  });

  test('PAR_BYTECODE_CACHE=0: compiles at every launch, writes nothing', () => {
    const root = join(scratch('par-size-bc-'), 'root');
    const r = spawnSync(small(), [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_ROOT: root, TMPDIR: dir, PAR_BYTECODE_CACHE: '0', PAR_DEBUG_STARTUP: '1' } });
    expect(r.stdout).toMatch(/^hello from a resource\n/);
    expect(r.stderr).not.toContain('bytecode cache');
    expect(r.stderr).toMatch(TRACE);
    expect(existsSync(root)).toBe(false);
  });
});
