// A binary whose own files include a shared object: nothing loads one from inside a zip
// (src/packager/extract-layout.ts nativePlan). A tagged extension module (a C extension in a
// library's data) is unpacked alone and found by __par__/_native.py's finder while the rest
// imports from the archive; any other shared object (a ctypes library) sends the binary to
// the extract layout. The extension is compiled here with gcc against the headers of an
// interpreter of the build minor.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, buildArchive, pyenvInterpreters, ROOT, runArchive, scratch, writeWorkspace } from './harness';
import { C_SOURCE } from '../helpers/c-extension';

jest.setTimeout(5 * 60_000);


/** An interpreter of the build minor whose headers are installed, with its EXT_SUFFIX and include dir. */
function headersFor(minor: string): { suffix: string; include: string } | undefined {
  for (const py of ['python3', pyenvInterpreters().get(minor)].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_config_var('EXT_SUFFIX')); print(sysconfig.get_paths()['include'])"], { encoding: 'utf8' });
    const [version, suffix, include] = r.stdout.trim().split('\n');
    if (r.status === 0 && version === minor && existsSync(join(include, 'Python.h'))) return { suffix, include };
  }
  return undefined;
}

describe('first-party native code', () => {
  const base = scratch('par-it-native-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];
  let archive = '';
  let withLib = '';
  let skip = '';

  beforeAll(() => {
    const minor = spawnSync('python3', ['-c', "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: 'utf8' }).stdout.trim();
    const headers = headersFor(minor);
    if (!headers) {
      skip = `no Python.h for Python ${minor}`;
      return;
    }
    writeWorkspace(ws, {
      'app/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary", "python_library")
python_library(name = "fast", srcs = ["fast/__init__.py"], data = ["fast/_speed${headers.suffix}"])
python_binary(name = "app", main = "main.py", srcs = ["main.py"], deps = [":fast"])
python_library(name = "helper", srcs = ["helper.py"], data = ["libhelper.so.1"])
python_binary(name = "app_lib", main = "main.py", srcs = ["main.py"], deps = [":fast", ":helper"])
python_binary(name = "app_lib_sourceless", main = "main.py", srcs = ["main.py"], deps = [":fast", ":helper"], sources = False)
`,
      'app/helper.py': '',
      'app/libhelper.so.1': 'not loaded by this test: its presence is what counts\n',
      'app/fast/__init__.py': 'from app.fast._speed import triple\n',
      'app/fast/_speed.c': C_SOURCE,
      'app/main.py': 'import sys\nfrom app.fast import triple\nprint(triple(int(sys.argv[1])), __file__.endswith("main.py"))\n',
    });
    const cc = spawnSync('gcc', ['-shared', '-fPIC', '-O1', `-I${headers.include}`, '-o', join(ws, `app/fast/_speed${headers.suffix}`), join(ws, 'app/fast/_speed.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
    archive = buildArchive('//app:app', [], { cwd: ws, startup });
    withLib = buildArchive('//app:app_lib', [], { cwd: ws, startup });
  });

  afterAll(() => {
    if (!skip) bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  // Files under dir (the cache's own .lock/.use markers left out).
  const ls = (dir: string) => spawnSync('sh', ['-c', `cd ${dir} && find . -type f ! -name '.*' | sort`], { encoding: 'utf8' }).stdout;

  test('an extension module is unpacked alone; it imports and computes, first launch and warm', () => {
    if (skip) {
      console.log(`skipped: ${skip}`);
      return;
    }
    const root = join(base, 'cache');
    const first = runArchive(archive, ['14'], { env: { PAR_ROOT: root } });
    expect([first.status, first.stdout, first.stderr]).toEqual([0, '42 True\n', '']);
    const warm = runArchive(archive, ['5'], { env: { PAR_ROOT: root, PAR_DEBUG_STARTUP: '1' } });
    expect([warm.status, warm.stdout]).toEqual([0, '15 True\n']);
    expect(warm.stderr).toMatch(/^par: launch blob /m); // still the zip layout's start
    // Only the shared object went to the cache, at its path in the archive.
    expect(ls(join(root, 'extract'))).toMatch(/^\.\/[0-9a-f]{64}\/app\/fast\/_speed\.cpython-[^/]*\.so\n$/);
    const where = runArchive(archive, ['-c', 'import app.fast, app.fast._speed as s; print(app.fast.__file__.startswith(__import__("__par__").archive), s.__file__.startswith(__import__("sys").argv[1]))', root], { env: { PAR_ROOT: root, PAR_INTERPRETER: '1' } });
    expect(where.stdout).toBe('True True\n');
    const shown = spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'inspect', archive], { encoding: 'utf8' }).stdout;
    expect(shown).toContain('\n  starts     from the zip; extension modules unpacked once into the cache: app.fast._speed; launch blob ');
  });

  test("a library planted in the cache entry never runs: another user's entry is set aside and unpacked afresh", () => {
    if (skip) return;
    if (process.getuid?.() !== 0) {
      console.log('skipped: needs root (runs the archive as uid 65534 with setpriv)');
      return;
    }
    // As an ordinary user (65534) with the archive and cache where it can reach them.
    const dir = scratch('par-it-planted-'); // (base is 0700: out of that user's reach)
    chmodSync(dir, 0o755);
    const app = join(dir, 'app');
    copyFileSync(archive, app);
    chmodSync(app, 0o755);
    const root = join(dir, 'cache');
    mkdirSync(root);
    chownSync(root, 65534, 65534);
    const run = () => {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', app, '7'], {
        encoding: 'utf8', cwd: dir, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8', PAR_ROOT: root },
      });
      return [r.status, r.stdout, r.stderr];
    };
    expect(run()).toEqual([0, '21 True\n', '']);
    const [key] = readdirSync(join(root, 'extract')).filter((n) => !n.startsWith('.'));
    const entry = join(root, 'extract', key);
    const so = join(entry, ls(entry).trim().slice(2)); // the one extension module
    // Another user swaps in a library whose constructor leaves a mark, and opens the entry to all.
    const pwned = join(dir, 'pwned');
    writeFileSync(join(dir, 'evil.c'), `#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen("${pwned}", "w"); if (f) fclose(f); }\n`);
    const cc = spawnSync('gcc', ['-shared', '-fPIC', '-o', so, join(dir, 'evil.c')], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    expect(spawnSync('sh', ['-c', `chown -R 65533:65533 ${entry} && chmod -R 777 ${entry}`]).status).toBe(0);
    expect(run()).toEqual([
      0,
      '21 True\n',
      `${app}: warning: cannot trust the cache entry ${entry} (it is owned by uid 65533, not by you, uid 65534); set it aside and unpacking it afresh\n`,
    ]);
    expect(existsSync(pwned)).toBe(false);
    expect(run()).toEqual([0, '21 True\n', '']);
    rmSync(dir, { recursive: true, force: true });
  });

  test('with another shared object (a ctypes library) the whole binary runs unpacked', () => {
    if (skip) return;
    const root = join(base, 'cache-lib');
    const r = runArchive(withLib, ['2'], { env: { PAR_ROOT: root } });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '6 True\n', '']);
    const files = ls(join(root, 'extract'));
    expect(files).toMatch(/\/app\/libhelper\.so\.1\n/);
    expect(files).toMatch(/\/app\/main\.py\n/);
    const shown = spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'inspect', withLib], { encoding: 'utf8' }).stdout;
    expect(shown).toContain('\n  starts     unpacked once into the cache (layout = "extract"); launch blob ');
  });

  test('sources = False with such a library fails the build, saying why', () => {
    if (skip) return;
    const r = bazel(['build', '//app:app_lib_sourceless'], { cwd: ws, startup });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      '//app:app_lib_sourceless: sources = False cannot be honoured: app/libhelper.so.1 is a shared object Python cannot load from a zip, so the binary runs unpacked, where Python wants the sources',
    );
  });
});
