// Issue 20 (small archives): what the size decisions must not cost. One archive packed by the
// verb Bazel runs (`par pack`, real bootstrap, /usr/bin/python3 as the toolchain), then run
// under every pyenv Python 3.8-3.13 present and the build one, started both ways (`./ARCHIVE`
// and `python ARCHIVE`): tracebacks show their source lines, inspect.getsource and
// importlib.resources work. Packing twice gives the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { COMPILER, par, PY, writeManifest } from '../helpers/pack-archive';
import { readFastField } from '../../src/archive/launch-blob';
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

beforeAll(async () => {
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/__init__.py'), '');
  writeFileSync(join(dir, 'app/main.py'), MAIN);
  writeFileSync(join(dir, 'app/helper.py'), HELPER);
  writeFileSync(join(dir, 'app/greeting.txt'), 'hello from a resource\n');
  const m = writeManifest(dir, 'size', {}, [
    { t: 'src', path: 'app/__init__.py', file: join(dir, 'app/__init__.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/helper.py', file: join(dir, 'app/helper.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/main.py', file: join(dir, 'app/main.py'), owner: '//app:pkg' },
    { t: 'data', path: 'app/greeting.txt', file: join(dir, 'app/greeting.txt'), owner: '//app:pkg' },
  ]);
  for (const out of ['a.par', 'b.par']) {
    const r = await par(['pack', '--manifest', m, '--out', join(dir, out), '--python', PY, '--compiler', COMPILER]);
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

function run(py: string, direct: boolean) {
  const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_PYTHON: py };
  return direct ? spawnSync(py, [archive], { encoding: 'utf8', env }) : spawnSync(archive, [], { encoding: 'utf8', env });
}

const pyenv = pyenvInterpreters();
describe.each(MINORS)('under Python %s', (minor) => {
  for (const direct of [false, true]) {
    testUnless(missingPyenv([minor]))(`${direct ? 'python ARCHIVE' : './ARCHIVE'}: resources, inspect.getsource, and a traceback with its source line`, () => {
      const r = run(pyenv.get(minor)!, direct);
      expect(r.stdout).toBe(`hello from a resource\nraise ValueError("boom from helper")\n${minor}\n`);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/File "(.*\/)?app\/helper\.py", line 2, in fail\n +raise ValueError\("boom from helper"\)\n/);
      expect(r.stderr).toMatch(/File "(.*\/)?app\/main\.py", line 9, in <module>\n +helper\.fail\(\)\n/);
      expect(r.stderr).toMatch(/ValueError: boom from helper\n$/);
    });
  }
});

test.each([false, true])('the build interpreter (python ARCHIVE: %s): the same, from the launch blob', (direct) => {
  const r = spawnSync(direct ? PY : archive, direct ? [archive] : [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PAR_DEBUG_STARTUP: '1' } });
  expect(r.stdout).toMatch(/^hello from a resource\nraise ValueError\("boom from helper"\)\n3\.\d+\n$/);
  expect(r.stderr).toMatch(/^par: launch blob +\d/m);
  expect(r.stderr).toMatch(/File "(.*\/)?app\/helper\.py", line 2, in fail\n +raise ValueError\("boom from helper"\)\n/);
});
