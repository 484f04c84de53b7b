// The bootstrap reaches into zipimport's internals only on the Pythons the tests run
// (_boot.py NEWEST_TESTED). On a newer minor it must run on plain zipimport instead: the
// minor is simulated by replacing sys.version_info before the bootstrap starts, on both
// ways in (the launcher's launch-blob line and the zipimport one).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOT, COMPILER, par, PY, writeManifest } from '../helpers/pack-archive';

let dir: string;
let archive: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'par-zipimport-guard-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/helper.py'), 'X = 1\n');
  // What loaded the program's modules, and whether zipimport's _get_data is its own.
  writeFileSync(join(dir, 'app/main.py'), [
    'import sys, zipimport',
    'from app import helper',
    'print(sys.version_info[:2], type(helper.__loader__).__name__, zipimport._get_data.__name__)',
  ].join('\n') + '\n');
  const m = writeManifest(dir, 'guard', {}, [
    { t: 'src', path: 'app/__init__.py', file: join(dir, 'app/helper.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/helper.py', file: join(dir, 'app/helper.py'), owner: '//app:pkg' },
    { t: 'src', path: 'app/main.py', file: join(dir, 'app/main.py'), owner: '//app:pkg' },
  ]);
  archive = join(dir, 'guard.par');
  const r = await par(['pack', '--manifest', m, '--out', archive, '--python', PY, '--compiler', COMPILER]);
  expect(r).toEqual({ code: 0, out: '', err: '' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A sys.version_info of another minor: indexing and comparing as the real one does.
const fakeMinor = (minor: number) =>
  `class V(tuple):\n major = property(lambda s: s[0])\n minor = property(lambda s: s[1])\n micro = property(lambda s: s[2])\nsys.version_info = V((3, ${minor}, 0, 'final', 0))\n`;

/** The launcher's two lines (src/bootstrap/launcher.sh): through zipimport, and from the launch blob. */
function launcherLines(): { zipimport: string; blob: string } {
  const head = readFileSync(archive).subarray(0, 4096).toString('latin1');
  const [offset, length] = /\npar_fast=' *(\d+) +(\d+)'/.exec(head)!.slice(1);
  return {
    zipimport: 'sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()',
    blob: 'import posix,marshal as m,zlib;f=posix.open(sys.argv[1],posix.O_RDONLY|posix.O_CLOEXEC)\n' +
      `d=m.loads(zlib.decompress(posix.pread(f,${length},${offset}),-15));c=m.loads(d[1])\nexec(c)`,
  };
}

function launch(line: string, minor?: number): { status: number | null; stdout: string; stderr: string } {
  const code = `import sys\n${minor === undefined ? '' : fakeMinor(minor)}${line}`;
  const r = spawnSync(PY, ['-S', '-c', code, archive, archive], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, PAR_BYTECODE_CACHE: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.each(['zipimport', 'blob'] as const)('the %s way: zipimport is patched on a tested minor, left alone on a newer one', (way) => {
  const line = launcherLines()[way];
  const real = spawnSync(PY, ['-c', 'import sys; print(sys.version_info[:2])'], { encoding: 'utf8' }).stdout;
  expect(launch(line)).toEqual({ status: 0, stdout: real.replace('\n', ' _ArchiveImporter get_data\n'), stderr: '' });
  expect(launch(line, 99)).toEqual({ status: 0, stdout: '(3, 99) zipimporter _get_data\n', stderr: '' });
});

test('_bytecode.py spells the same newest tested minor as _boot.py (it runs before _boot is loaded)', () => {
  const boot = /^NEWEST_TESTED = \((\d+), (\d+)\)$/m.exec(readFileSync(join(BOOT, '__par__/_boot.py'), 'utf8'));
  const bytecode = /return \(3, 8\) <= sys\.version_info\[:2\] <= \((\d+), (\d+)\)/.exec(readFileSync(join(BOOT, '__par__/_bytecode.py'), 'utf8'));
  expect(boot).not.toBeNull();
  expect(bytecode?.slice(1)).toEqual(boot!.slice(1));
});

// Another minor than the build one (whose .pyc it rejects) would serve the archive's modules
// from the bytecode cache through zipimport's _get_module_code: not on an untested minor.
const other = ['3.12', '3.13', '3.10']
  .map((m) => spawnSync('sh', ['-c', `ls -d "\${PYENV_ROOT:-$HOME/.pyenv}"/versions/${m}.*/bin/python 2>/dev/null | tail -n 1`], { encoding: 'utf8' }).stdout.trim())
  .find((p) => p !== '' && !spawnSync(p, ['-c', 'import sys; print(sys.version_info[:2])'], { encoding: 'utf8' }).stdout.includes(', 11)'));
(other ? test : test.skip)(`the bytecode cache hooks zipimport on another tested minor, not on a newer one (${other ?? 'skipped: no pyenv Python 3.10/3.12/3.13'})`, () => {
  const line = launcherLines().zipimport;
  const run = (minor?: number) => spawnSync(other!, ['-S', '-c', `import sys\n${minor === undefined ? '' : fakeMinor(minor)}${line}`, archive, archive], {
    encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, PAR_DEBUG_STARTUP: '1' },
  });
  const tested = run();
  expect(tested.status).toBe(0);
  expect(tested.stderr).toMatch(/^par: bytecode cache: \d+ modules for cpython-3\d+ in /m);
  const newer = run(99);
  expect({ status: newer.status, stdout: newer.stdout }).toEqual({ status: 0, stdout: '(3, 99) zipimporter _get_data\n' });
  expect(newer.stderr).not.toMatch(/bytecode cache/);
});
