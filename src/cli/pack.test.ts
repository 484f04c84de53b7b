// pack's order and its warnings, through the verb Bazel runs (`par pack`, as in the worker:
// messages go to the Io the caller gives, never straight to process.stderr).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWheel } from '../packager/wheel/describe';
import { COMPILER, par, PY, writeManifest } from '../../tests/helpers/pack-archive';

// A pure wheel whose METADATA requires a distribution no dep provides.
const MAKE_WHEEL = String.raw`
import base64, hashlib, sys, zipfile
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "demo-1.0.dist-info/"
files = [("demo/__init__.py", b"X = 1\n"),
         (di + "METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: missing-dep>=2\n"),
         (di + "WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, d in files: z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d)
    z.writestr(di + "RECORD", "".join("%s,%s,%d\n" % (n, h(d), len(d)) for n, d in files) + di + "RECORD,,\n")
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-pack-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = (name: string, header: object, lines: object[]): string => writeManifest(dir, name, header, lines);

test('sources = False that cannot be honoured is refused before anything is hashed or compiled', async () => {
  const main = join(dir, 'main.py');
  writeFileSync(main, 'print("hi")\n');
  const m = manifest('nosrc', { compile: false, sources: false }, [{ t: 'src', path: 'app/main.py', file: main, owner: '//app:pkg' }]);
  const out = join(dir, 'nosrc.par');
  // Neither the interpreter nor the compiler exists: reaching them would fail differently.
  const r = await par(['pack', '--manifest', m, '--out', out, '--python', join(dir, 'no-python'), '--compiler', join(dir, 'no-compiler.py')]);
  expect(r).toEqual({
    code: 1,
    out: '',
    err: 'par pack: error: //app:pkg: sources = False cannot be honoured: compile = False leaves no bytecode to ship instead Keep sources = True for this binary.\n',
  });
  expect(existsSync(out)).toBe(false);
});

test('requires_check = "warn": the archive is written and the warning goes to the caller, once', async () => {
  const wheel = join(dir, 'demo-1.0-py3-none-any.whl');
  const made = spawnSync(PY, ['-S', '-c', MAKE_WHEEL, wheel], { encoding: 'utf8' });
  expect(made.stderr).toBe('');
  const info = join(dir, 'demo.wheel.json');
  await describeWheel({ wheel, label: '//third_party:demo', out: info, requiresCheck: 'warn', zipSafe: true });
  const main = join(dir, 'warn_main.py');
  writeFileSync(main, 'import demo\nprint(demo.X)\n');
  const m = manifest('warn', {}, [
    { t: 'src', path: 'app/main.py', file: main, owner: '//app:pkg' },
    { t: 'wheel', label: '//third_party:demo', file: wheel, info },
  ]);
  const out = join(dir, 'warn.par');
  const r = await par(['pack', '--manifest', m, '--out', out, '--python', PY, '--compiler', COMPILER]);
  expect(r).toEqual({
    code: 0,
    out: '',
    err: "//app:pkg: warning: //third_party:demo (demo 1.0) requires 'missing-dep>=2', but no dep of the binary provides missing-dep\n",
  });
  expect(statSync(out).mode & 0o777).toBe(0o755);
  const ran = spawnSync(out, [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } });
  expect({ status: ran.status, stdout: ran.stdout, stderr: ran.stderr }).toEqual({ status: 0, stdout: '1\n', stderr: '' });
}, 60000);

test('requires_check = "error" (the default) refuses the same closure, naming the wheel and the fix', async () => {
  const wheel = join(dir, 'demo-1.0-py3-none-any.whl');
  const info = join(dir, 'demo-error.wheel.json');
  if (!existsSync(wheel)) spawnSync(PY, ['-S', '-c', MAKE_WHEEL, wheel]);
  await describeWheel({ wheel, label: '//third_party:demo', out: info, requiresCheck: 'error', zipSafe: true });
  const main = join(dir, 'err_main.py');
  writeFileSync(main, 'import demo\n');
  const m = manifest('err', {}, [
    { t: 'src', path: 'app/main.py', file: main, owner: '//app:pkg' },
    { t: 'wheel', label: '//third_party:demo', file: wheel, info },
  ]);
  const r = await par(['pack', '--manifest', m, '--out', join(dir, 'err.par'), '--python', join(dir, 'no-python'), '--compiler', COMPILER]);
  expect(r).toEqual({
    code: 1,
    out: '',
    err: "par pack: error: //app:pkg: unsatisfied wheel requirements (Requires-Dist):\n  //third_party:demo (demo 1.0) requires 'missing-dep>=2', but no dep of the binary provides missing-dep Add a python_wheel of the required version to the wheel's deps, or set requires_check = 'warn' (or 'off') on the python_wheel.\n",
  });
});
