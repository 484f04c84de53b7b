// pack's order and its warnings, through the verb Bazel runs (`par pack`, as in the worker:
// messages go to the Io the caller gives, never straight to process.stderr).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from './main';
import { describeWheel } from '../packager/wheel/describe';

const ROOT = join(__dirname, '../..');
const BOOT = join(ROOT, 'src/bootstrap');
const COMPILER = join(ROOT, 'rules/private/tools/compile_pyc.py');
const PY = '/usr/bin/python3';

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
let buildVersion: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-pack-'));
  buildVersion = spawnSync(PY, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).stdout.trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bootLines(): object[] {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === '__pycache__' ? [] : walk(join(d, e.name))) : e.name.endsWith('.py') || e.name === 'launcher.sh' ? [join(d, e.name)] : []);
  return walk(BOOT).sort().map((f) => ({ t: 'boot', path: relative(BOOT, f), file: f }));
}

function manifest(name: string, header: object, lines: object[]): string {
  const file = join(dir, `${name}.manifest.jsonl`);
  const h = {
    t: 'header', manifest_version: 1, label: '//app:pkg', main: 'app/main.py', main_module: 'app.main', entry_point: null,
    python: '>=3.8', compression: 'deflate', compile: true, layout: 'zip', shebang: '#!/usr/bin/env python3',
    imports_check: 'error', build_python: { version: buildVersion, cache_tag: `cpython-${buildVersion.split('.').slice(0, 2).join('')}` },
    ...header,
  };
  writeFileSync(file, [h, ...bootLines(), ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

async function par(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

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
