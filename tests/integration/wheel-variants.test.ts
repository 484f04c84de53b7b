// One archive for several Pythons: python_wheel(wheels = [...]) bundles several builds of one
// distribution and the bootstrap picks the one that fits the running interpreter (issue 17).
// A real C extension is compiled with gcc against each pyenv interpreter 3.8-3.13 (their
// headers) into six wheels; one archive runs and computes under each of them, with one cache
// entry per build used. Also: concurrent cold launches, the paragraph when no build fits, the
// re-exec to a Python that one does, target_pythons, and the analysis errors of wheels = [...].
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, cleanEnv, describeUnless, missingPyenv, pyenvInterpreters, ROOT, runArchive, scratch, writeWorkspace } from './harness';
import { C_SOURCE } from '../helpers/c-extension';

jest.setTimeout(6 * 60_000);

const MINORS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
const TARGETS = `["3.7", ${MINORS.map((m) => `"${m}"`).join(', ')}]`;
const gcc = spawnSync('sh', ['-c', 'command -v gcc']).status === 0;
const missing = missingPyenv(MINORS) ?? (gcc ? undefined : 'no gcc');


const FOREIGN = ['cp311-cp311-linux_x86_64', 'cp311-cp311-macosx_11_0_arm64', 'cp311-cp311-manylinux_2_17_aarch64'];
const tag = (minor: string) => `cp3${minor.split('.')[1]}-cp3${minor.split('.')[1]}-linux_x86_64`;
const wheelName = (minor: string) => `fastmath-1.0-${tag(minor)}.whl`;

/** Builds fastmath 1.0 for `minor` into `out`: the extension compiled against that interpreter's headers. */
function buildWheel(py: string, minor: string, work: string, out: string): void {
  const q = spawnSync(py, ['-c', "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX')); print(sysconfig.get_paths()['include'])"], { encoding: 'utf8' });
  const [suffix, include] = q.stdout.trim().split('\n');
  const pkg = join(work, minor, 'fastmath');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, '__init__.py'), 'from fastmath._speed import triple\n\n\ndef built_for():\n    import fastmath._speed as s\n    return s.__file__.rsplit("/", 1)[1]\n');
  writeFileSync(join(work, '_speed.c'), C_SOURCE);
  const cc = spawnSync('gcc', ['-shared', '-fPIC', '-O1', `-I${include}`, '-o', join(pkg, `_speed${suffix}`), join(work, '_speed.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc for ${minor} failed:\n${cc.stderr}`);
  const w = spawnSync('python3', [join(ROOT, 'tests/helpers/wheel_from_files.py'), out, 'fastmath', '1.0', tag(minor), pkg], { encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`wheel for ${minor} failed:\n${w.stderr}`);
}

describeUnless(missing)('python_wheel(wheels = [...]): one archive for six Pythons', () => {
  const base = scratch('par-it-variants-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];
  const py = pyenvInterpreters();
  const bin = (p: string) => join(ws, 'bazel-bin', p);
  let build = { status: 0 as number | null, stderr: '' };
  const sha: Record<string, string> = {};

  beforeAll(() => {
    const wheels = join(ws, 'app/wheels');
    mkdirSync(wheels, { recursive: true });
    for (const minor of MINORS) {
      buildWheel(py.get(minor)!, minor, join(base, 'work'), wheels);
      sha[minor] = createHash('sha256').update(readFileSync(join(wheels, wheelName(minor)))).digest('hex');
    }
    // Builds for platforms other than this host's (never run): selected by target_platforms.
    const plat = join(ws, 'plat');
    mkdirSync(join(base, 'work/multi/multi'), { recursive: true });
    writeFileSync(join(base, 'work/multi/multi/__init__.py'), 'X = 1\n');
    mkdirSync(join(base, 'work/macdep/macdep'), { recursive: true });
    writeFileSync(join(base, 'work/macdep/macdep/__init__.py'), 'Y = 2\n');
    mkdirSync(plat);
    const helper = (...args: string[]) => {
      const r = spawnSync('python3', [join(ROOT, 'tests/helpers/wheel_from_files.py'), plat, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`wheel_from_files.py ${args.join(' ')} failed:\n${r.stderr}`);
    };
    for (const t of FOREIGN) helper('multi', '1.0', t, join(base, 'work/multi/multi'));
    helper('macdep', '1.0', 'py3-none-any', join(base, 'work/macdep/macdep'), 'appnope>=0.1; sys_platform == "darwin"');
    const list = (minors: string[]) => `[${minors.map((m) => `"wheels/${wheelName(m)}"`).join(', ')}]`;
    writeWorkspace(ws, {
      'app/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary", "python_wheel")
python_wheel(name = "fastmath", wheels = ${list(MINORS)})
python_wheel(name = "fastmath_old", wheels = ${list(MINORS.slice(0, 5))})
python_binary(name = "app", main = "main.py", srcs = ["main.py"], deps = [":fastmath"], target_pythons = ${TARGETS})
python_binary(name = "app_extract", main = "main.py", srcs = ["main.py"], deps = [":fastmath"], layout = "extract")
python_binary(name = "app_old", main = "main.py", srcs = ["main.py"], deps = [":fastmath_old"])
python_binary(name = "app37", main = "main.py", srcs = ["main.py"], deps = [":fastmath"], python = ">=3.7", target_pythons = ${TARGETS})
`,
      'plat/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary", "python_wheel")
python_wheel(name = "multi", wheels = [${FOREIGN.map((t) => `"multi-1.0-${t}.whl"`).join(', ')}])
python_wheel(name = "macdep", wheel = "macdep-1.0-py3-none-any.whl")
python_binary(name = "arm", main = "m.py", srcs = ["m.py"], deps = [":multi"], target_platforms = ["macosx_12_0_arm64", "manylinux_2_28_aarch64"])
python_binary(name = "mac_intel", main = "m.py", srcs = ["m.py"], deps = [":multi"], target_platforms = ["macosx_11_0_x86_64"], target_pythons = ["3.11"])
python_binary(name = "mac_needs", main = "n.py", srcs = ["n.py"], deps = [":macdep"], target_platforms = ["macosx_11_0_arm64"])
python_binary(name = "linux_needs_not", main = "n.py", srcs = ["n.py"], deps = [":macdep"], target_platforms = ["manylinux_2_17_x86_64"])
`,
      'plat/m.py': 'import multi\n',
      'plat/n.py': 'import macdep\n',
      'app/main.py': 'import sys\nfrom fastmath import built_for, triple\nprint(triple(int(sys.argv[1])), "%d.%d" % sys.version_info[:2], built_for())\n',
      'bad/BUILD': `load("@rules_par//rules:defs.bzl", "python_wheel")
python_wheel(name = "both", wheel = "a/fastmath-1.0-cp38-cp38-linux_x86_64.whl", wheels = ["b/fastmath-1.0-cp39-cp39-linux_x86_64.whl"])
python_wheel(name = "neither")
python_wheel(name = "mixed", wheels = ["a/fastmath-1.0-cp38-cp38-linux_x86_64.whl", "b/fastmath-1.0-cp39-cp39-linux_x86_64.whl", "c/Other_Dist-1.0-cp39-cp39-linux_x86_64.whl", "c/fastmath-2.0-cp39-cp39-linux_x86_64.whl"])
python_wheel(name = "same_tag", wheels = ["a/fastmath-1.0-cp38-cp38-linux_x86_64.whl", "c/fastmath-1.0-1-cp38.cp39-cp38-linux_x86_64.whl"])
python_wheel(name = "not_a_wheel", wheels = ["a/fastmath-1.0-cp38-cp38-linux_x86_64.whl", "a/fastmath.zip"])
`,
      ...Object.fromEntries(['a/fastmath-1.0-cp38-cp38-linux_x86_64.whl', 'b/fastmath-1.0-cp39-cp39-linux_x86_64.whl', 'c/Other_Dist-1.0-cp39-cp39-linux_x86_64.whl',
        'c/fastmath-2.0-cp39-cp39-linux_x86_64.whl', 'c/fastmath-1.0-1-cp38.cp39-cp38-linux_x86_64.whl', 'a/fastmath.zip'].map((f) => [`bad/${f}`, 'never read: analysis fails first\n'])),
    });
    // One Bazel call: the good archives build, the bad targets' errors are all reported.
    const r = bazel(['build', '--keep_going', '//app:all', '//bad:all', '//plat:all'], { cwd: ws, startup });
    build = { status: r.status, stderr: r.stderr };
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  const entries = (root: string) => readdirSync(join(root, 'wheels')).filter((n) => !n.startsWith('.')).sort();

  test('one archive runs and computes under each of the six Pythons, one cache entry per build used', () => {
    expect(build.stderr).not.toContain('ERROR: ' + join(ws, 'app/BUILD:3'));
    const root = join(base, 'cache-all');
    const seen = MINORS.map((minor) => {
      // PYTHONDONTWRITEBYTECODE: the bytecode below is the extraction's, never the import's.
      const r = runArchive(bin('app/app'), ['7'], { env: { PAR_ROOT: root, PAR_PYTHON: py.get(minor)!, PYTHONDONTWRITEBYTECODE: '1' } });
      return [r.status, r.stdout, r.stderr];
    });
    expect(seen).toEqual(MINORS.map((minor) => [0, `21 ${minor} _speed.cpython-3${minor.split('.')[1]}-x86_64-linux-gnu.so\n`, '']));
    // Every build's modules have bytecode for their minor, compiled once when extracted (native
    // wheels in the zip layout ship none: docs/PERFORMANCE.md "Size").
    const pycs = readdirSync(join(root, 'wheels')).filter((n) => !n.startsWith('.')).flatMap((k) => readdirSync(join(root, 'wheels', k, 'fastmath/__pycache__')));
    expect(pycs.sort()).toEqual(MINORS.map((m) => `__init__.cpython-3${m.split('.')[1]}.pyc`).sort());
    // Each build its own entry, keyed by its sha256 alone (no shipped bytecode to name).
    const keys = entries(root);
    expect(keys.sort()).toEqual(Object.values(sha).sort());
    // Warm: nothing new.
    const again = runArchive(bin('app/app'), ['2'], { env: { PAR_ROOT: root, PAR_PYTHON: py.get('3.13')! } });
    expect([again.status, again.stdout]).toEqual([0, '6 3.13 _speed.cpython-313-x86_64-linux-gnu.so\n']);
    expect(entries(root)).toEqual(keys);
  });

  test('layout = "extract": the whole archive unpacked once, the chosen build on sys.path', () => {
    const root = join(base, 'cache-extract');
    const seen = ['3.8', '3.13'].map((minor) => {
      const r = runArchive(bin('app/app_extract'), ['4'], { env: { PAR_ROOT: root, PAR_PYTHON: py.get(minor)! } });
      return [r.status, r.stdout, r.stderr];
    });
    expect(seen).toEqual([[0, '12 3.8 _speed.cpython-38-x86_64-linux-gnu.so\n', ''], [0, '12 3.13 _speed.cpython-313-x86_64-linux-gnu.so\n', '']]);
    expect(readdirSync(join(root, 'extract')).filter((n) => !n.startsWith('.'))).toHaveLength(1);
  });

  test('3.11 and 3.13 launched at once on a cold cache both work', async () => {
    const root = join(base, 'cache-concurrent');
    const run = (minor: string) => new Promise<[number | null, string, string]>((resolve) => {
      const c = spawn(bin('app/app'), ['5'], { env: cleanEnv({ PAR_ROOT: root, PAR_PYTHON: py.get(minor)! }) });
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) => resolve([code, out, err]));
    });
    const results = await Promise.all([run('3.11'), run('3.13'), run('3.11'), run('3.13')]);
    expect(results).toEqual([
      [0, '15 3.11 _speed.cpython-311-x86_64-linux-gnu.so\n', ''],
      [0, '15 3.13 _speed.cpython-313-x86_64-linux-gnu.so\n', ''],
      [0, '15 3.11 _speed.cpython-311-x86_64-linux-gnu.so\n', ''],
      [0, '15 3.13 _speed.cpython-313-x86_64-linux-gnu.so\n', ''],
    ]);
    expect(entries(root).map((k) => k.split('.')[0]).sort()).toEqual([sha['3.11'], sha['3.13']].sort());
  });

  test('no build fits: a re-exec finds a python3.X that one does, else one paragraph lists the builds and what was tried', () => {
    const archive = bin('app/app_old'); // builds for 3.8-3.12 only
    const py313 = py.get('3.13')!;
    const glibc = spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).stdout.trim().split(' ')[1];
    const r = runArchive(archive, ['1'], { env: { PAR_PYTHON: py313, PAR_ROOT: join(base, 'cache-none') } });
    const files = MINORS.slice(0, 5).map(wheelName); // by Python version
    const needs = MINORS.slice(0, 5).map((m) => `CPython ${m} (ABI cp3${m.split('.')[1]}) on linux_x86_64`).join(' or ');
    const running = `CPython 3.13.0 (${py313}) on linux x86_64 with glibc ${glibc}`;
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '',
      `${archive}: //app:app_old bundles fastmath 1.0 in 5 builds (${files.join(', ')}), which needs ${needs}, but this is ${running}. ` +
      `Tried: the running interpreter ${running}; $PAR_PYTHON=${py313} (set explicitly, so nothing else is tried). Run it with a matching interpreter ` +
      '(set PAR_PYTHON to one, or put it on PATH as python3.X), or rebuild the archive with a wheel built for this platform.\n']);
    // Started by 3.13 without PAR_PYTHON: re-executes the python3.12 it finds on PATH.
    const path = join(base, 'path');
    mkdirSync(path, { recursive: true });
    symlinkSync(py.get('3.12')!, join(path, 'python3.12'));
    const re = runArchive(archive, ['3'], { interpreter: py313, env: { PATH: `${path}:/usr/bin:/bin`, PAR_ROOT: join(base, 'cache-none') } });
    expect([re.status, re.stdout, re.stderr]).toEqual([0, '9 3.12 _speed.cpython-312-x86_64-linux-gnu.so\n', '']);
  });

  test('target_pythons: python admitting 3.7 without a 3.7 build fails naming the missing tag; ">=3.8" builds', () => {
    expect(build.stderr).toContain(
      `par pack: error: //app:app37: a bundled wheel does not serve every target (python = '>=3.7', target_pythons 3.7, ${MINORS.join(', ')}):\n` +
      '  //app:fastmath (fastmath 1.0) has no build for Python 3.7: missing cp37-cp37m-linux_x86_64 (its builds serve ' +
      MINORS.map((m) => `CPython ${m} (ABI cp3${m.split('.')[1]}) on linux_x86_64`).join(' or ') + ') Add the missing builds to the python_wheel (wheels = [...]), or narrow python (e.g. ">=3.8"), target_pythons or target_platforms.\n',
    );
    // //app:app has the same target_pythons with python = ">=3.8" (the default) and built: the test above ran it.
    const shown = spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'inspect', bin('app/app')], { encoding: 'utf8' }).stdout;
    for (const m of MINORS) expect(shown).toContain(`    fastmath 1.0  sha256:${sha[m].slice(0, 16)}…  serves CPython ${m} (ABI cp3${m.split('.')[1]}) on linux_x86_64\n`);
  });

  test('wheel and wheels: exactly one; builds of one distribution at one version with distinct tags (whole messages)', () => {
    const err = (msg: string) => `Error in fail: ${msg}\n`;
    expect(build.stderr).toContain(err('python_wheel //bad:both: set either wheel (one build) or wheels (several builds of one distribution), not both.'));
    expect(build.stderr).toContain(err('python_wheel //bad:neither: neither wheel nor wheels is set. Name the .whl file (wheel = "x.whl"), or several builds of one distribution at one version (wheels = [...]).'));
    expect(build.stderr).toContain(err('python_wheel //bad:mixed: wheels must be builds of one distribution at one version, but they hold fastmath 1.0 (fastmath-1.0-cp38-cp38-linux_x86_64.whl, fastmath-1.0-cp39-cp39-linux_x86_64.whl) and other-dist 1.0 (Other_Dist-1.0-cp39-cp39-linux_x86_64.whl) and fastmath 2.0 (fastmath-2.0-cp39-cp39-linux_x86_64.whl). Give each distribution and version its own python_wheel.'));
    expect(build.stderr).toContain(err('python_wheel //bad:same_tag: wheels fastmath-1.0-cp38-cp38-linux_x86_64.whl and fastmath-1.0-1-cp38.cp39-cp38-linux_x86_64.whl are both tagged cp38-cp38-linux_x86_64, so the launcher could not tell which to use. Keep one build per tag.'));
    expect(build.stderr).toContain(err('python_wheel //bad:not_a_wheel: wheels lists bad/a/fastmath.zip, which is not a wheel file name (name-version[-build]-python-abi-platform.whl).'));
  });

  test('target_platforms: builds for other platforms are selected by them (never run here), and markers follow them', () => {
    const inspect = (p: string) => spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'inspect', bin(p)], { encoding: 'utf8' }).stdout;
    const shown = inspect('plat/arm');
    expect(shown.split('\n').filter((l) => l.startsWith('    multi 1.0')).map((l) => l.replace(/sha256:\S+/, 'sha256:…'))).toEqual([
      '    multi 1.0  sha256:…  serves CPython 3.11 (ABI cp311) on macosx_11_0_arm64',
      '    multi 1.0  sha256:…  serves CPython 3.11 (ABI cp311) on manylinux_2_17_aarch64',
    ]);
    expect(build.stderr).toContain(
      "par pack: error: //plat:mac_intel: a bundled wheel does not serve every target (python = '>=3.8', target_pythons 3.11, target_platforms macosx_11_0_x86_64):\n" +
      '  //plat:multi (multi 1.0) has no build for Python 3.11 on macosx_11_0_x86_64: missing cp311-cp311-macosx_11_0_x86_64 (its builds serve ' +
      'CPython 3.11 (ABI cp311) on linux_x86_64 or CPython 3.11 (ABI cp311) on macosx_11_0_arm64 or CPython 3.11 (ABI cp311) on manylinux_2_17_aarch64) ' +
      'Add the missing builds to the python_wheel (wheels = [...]), or narrow python (e.g. ">=3.8"), target_pythons or target_platforms.\n',
    );
    // Requires-Dist 'appnope; sys_platform == "darwin"' applies on macOS only: built for Linux (the default, or declared), no appnope needed.
    expect(build.stderr).toContain(
      'par pack: error: //plat:mac_needs: unsatisfied wheel requirements (Requires-Dist):\n' +
      '  //plat:macdep (macdep 1.0) requires \'appnope>=0.1; sys_platform == "darwin"\', but no dep of the binary provides appnope ' +
      "Add a python_wheel of the required version to the wheel's deps, or set requires_check = 'warn' (or 'off') on the python_wheel.\n",
    );
    expect(build.stderr).not.toContain('//plat:linux_needs_not:');
    expect(inspect('plat/linux_needs_not')).toContain('    macdep 1.0  sha256:');
  });
});
