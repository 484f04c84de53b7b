// numpy from an archive: wheels rebuilt from pyenv 3.11's numpy (examples/numpy/make_wheels.sh),
// native code extracted once into the cache, tags checked at launch, concurrent and
// interrupted first launches.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { launchBlobNames, readFastField } from '../../src/archive/launch-blob';
import { ZipReader } from '../../src/archive/zip';
import { bazel, cleanEnv, describeUnless, missingPyenv, pyenvInterpreters, ROOT, runArchive, scratch } from './harness';

const EXAMPLE = join(ROOT, 'examples/numpy');
const pys = pyenvInterpreters();
const py311 = pys.get('3.11');
const py312 = pys.get('3.12');
const EXPECTED = 'x = 0.400000 2.200000 2.800000\ndet = 40.000000\n';
jest.setTimeout(600_000);

const maybe = describeUnless(missingPyenv(['3.11', '3.12']));

maybe('examples/numpy: native wheels from an archive', () => {
  const base = scratch('par-it-numpy-');
  const opts = { cwd: EXAMPLE, startup: [`--output_base=${join(base, 'ob')}`] };
  let archive = '';
  let extracted = '';

  beforeAll(() => {
    const gen = spawnSync(join(EXAMPLE, 'make_wheels.sh'), [py311!], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`make_wheels.sh failed:\n${gen.stderr}`);
    const r = bazel(['build', '//:solve', '//:solve_extracted'], opts);
    if (r.status !== 0) throw new Error(`bazel build failed:\n${r.stderr.slice(-4000)}`);
    const bin = bazel(['info', 'bazel-bin'], opts).stdout.trim();
    archive = realpathSync(join(bin, 'solve'));
    extracted = realpathSync(join(bin, 'solve_extracted'));
  });
  afterAll(() => bazel(['shutdown'], opts));

  const entries = (root: string) => readdirSync(join(root, 'wheels')).filter((n) => !n.startsWith('.'));

  test('runs numpy.linalg and prints the checked result; a second run reuses the cache', () => {
    const cache = join(base, 'cache1');
    const first = runArchive(archive, [], { env: { PAR_ROOT: cache } });
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(EXPECTED);
    expect(entries(cache)).toHaveLength(1);
    const second = runArchive(archive, [], { env: { PAR_ROOT: cache } });
    expect(second.stdout).toContain(EXPECTED);
    expect(entries(cache)).toHaveLength(1);
  });

  test("numpy's modules are compiled once, by its python_wheel target, for both binaries", () => {
    const q = bazel(['aquery', '--output=text', 'mnemonic("ParWheelBytecode|ParPack", deps(//:solve + //:solve_extracted))'], opts);
    expect(q.status).toBe(0);
    const actions = q.stdout.split('\n').filter((l) => l.startsWith('action '));
    expect(actions.filter((a) => a.includes('Compiling wheel')).map((a) => a.replace(/^action '|'$/g, '')).sort()).toEqual(['Compiling wheel //third_party:numpy']);
    expect(actions.filter((a) => a.includes('Packaging Python archive'))).toHaveLength(2);
    // Each pack reads the compiled bundle.
    expect((q.stdout.match(/third_party\/_par\/numpy\.wheel\.pyc/g) ?? []).length).toBeGreaterThanOrEqual(3);
  });

  test('numpy runs from bytecode compiled once when the wheel is unpacked (the zip layout ships none for it): a run that may write bytecode writes none', () => {
    const cache = join(base, 'cache-pyc');
    // cleanEnv() leaves PYTHONDONTWRITEBYTECODE unset: a module compiled at launch would get a
    // new (timestamp-based) .pyc in the cache entry.
    const r = runArchive(archive, [], { env: { PAR_ROOT: cache } });
    expect(r.stdout).toContain(EXPECTED);
    const [entry] = entries(cache);
    expect(entry).toMatch(/^[0-9a-f]{64}$/); // the wheel's sha256: no bytecode shipped to key it
    const pycs = spawnSync('find', [join(cache, 'wheels', entry), '-name', '*.pyc'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(pycs.length).toBeGreaterThan(100);
    expect(pycs.filter((p) => !/\/__pycache__\/[^/]+\.cpython-311\.pyc$/.test(p))).toEqual([]);
    // PEP 552 flags 0b01 (unchecked hash) on every one: none was rewritten at launch.
    const flags = spawnSync('/usr/bin/python3', ['-S', '-c', 'import sys\nfor p in sys.argv[1:]:\n  f=open(p,"rb").read(8)\n  print(int.from_bytes(f[4:8],"little"))', ...pycs], { encoding: 'utf8' });
    expect(new Set(flags.stdout.trim().split('\n'))).toEqual(new Set(['1']));
    expect(pycs.some((p) => p.endsWith('numpy/linalg/__pycache__/_linalg.cpython-311.pyc'))).toBe(true);
  });

  // Issue 20's size target: the archive is no larger than the wheel it bundles. Where the
  // bytes went: docs/PERFORMANCE.md "Size" (the table "numpy example").
  test("//:solve is no larger than numpy's wheel: the wheel's streams recompressed once by its python_wheel target, no directory entries or launch-blob listing for the unpacked wheel", async () => {
    const [wheel] = readdirSync(join(EXAMPLE, 'third_party')).filter((n) => n.endsWith('.whl'));
    const wheelSize = statSync(join(EXAMPLE, 'third_party', wheel)).size;
    expect(statSync(archive).size).toBeLessThanOrEqual(wheelSize);
    const q = bazel(['aquery', '--output=text', 'mnemonic("ParWheelDeflate|ParPack", deps(//:solve + //:solve_extracted))'], opts);
    expect(q.status).toBe(0);
    const actions = q.stdout.split('\n').filter((l) => l.startsWith('action '));
    expect(actions.filter((a) => a.includes('Recompressing wheel'))).toEqual(["action 'Recompressing wheel //third_party:numpy'"]);
    const r = await ZipReader.open(archive);
    try {
      const names = r.entries.map((e) => e.name);
      const numpy = names.filter((n) => n.startsWith('_w/numpy-'));
      expect(numpy.length).toBeGreaterThan(1000);
      expect(numpy.filter((n) => n.endsWith('/'))).toEqual([]);
      const bytes = readFileSync(archive);
      const field = readFastField(bytes.subarray(0, 8192))!;
      const listed = launchBlobNames(bytes.subarray(field.blob!.offset, field.blob!.offset + field.blob!.length), archive);
      expect([...listed].filter((n) => n.startsWith('_w/'))).toEqual([]);
      expect(listed.has('solve.pyc')).toBe(true);
    } finally {
      await r.close();
    }
  });

  test('par inspect lists the bundled distribution', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'inspect', archive], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\n  wheels\s*\n    numpy \d+\.\S+  sha256:[0-9a-f]{16}/);
  });

  test('par cache gc keeps the numpy entry while an archive uses it and removes it afterwards', async () => {
    const cache = join(base, 'cache-gc');
    const running = spawn(archive, ['-c', 'import numpy, sys; print("ready", flush=True); sys.stdin.read()'], { env: cleanEnv({ PAR_ROOT: cache, PAR_INTERPRETER: '1' }) });
    await new Promise<void>((resolve, reject) => {
      running.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      running.on('exit', (code) => reject(new Error(`archive exited ${code}`)));
    });
    const gc = () => spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'cache', 'gc', '--max-size', '0', '--root', cache], { encoding: 'utf8' });
    const busy = gc();
    expect(busy.status).toBe(0);
    expect(busy.stdout).toMatch(/^kept wheels\/[0-9a-f]{64} \(\d+\.\d MiB\): (in use: pid \d+ has \S+\.so\S* open|a running archive holds it)\n/m);
    expect(entries(cache)).toHaveLength(1);
    running.stdin.end();
    await new Promise((r) => running.on('close', r));
    expect(gc().stdout).toMatch(/^removed wheels\/[0-9a-f]{64} /m);
    expect(entries(cache)).toEqual([]);
  });

  test('build info lists the bundled distribution', () => {
    const r = runArchive(archive, [], { env: { PAR_INFO: '1' } });
    const info = JSON.parse(r.stdout);
    expect(info.wheels).toEqual([expect.objectContaining({ name: 'numpy', version: expect.stringMatching(/^\d+\./), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
  });

  test('under Python 3.12 (PAR_PYTHON) it fails with the compatibility message naming the wheel', () => {
    const r = runArchive(archive, [], { env: { PAR_PYTHON: py312!, PAR_ROOT: join(base, 'cache312') } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/\/:solve bundles numpy \S+ \(numpy-\S+-cp311-cp311-manylinux\S+\.whl\), which needs CPython 3\.11 \(ABI cp311\) on manylinux_.*, but this is CPython 3\.12\.\d+/);
    expect(r.stderr).toContain('$PAR_PYTHON=');
    expect(r.stdout).toBe('');
  });

  test('started by Python 3.12 with a python3.11 on PATH, it re-targets to 3.11', () => {
    const bin = join(base, 'bin');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'python3.11'))) symlinkSync(py311!, join(bin, 'python3.11'));
    const r = spawnSync(py312!, [archive], { env: cleanEnv({ PATH: `${bin}:/usr/bin:/bin`, PAR_ROOT: join(base, 'cache-re') }), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(EXPECTED);
  });

  test('32 concurrent cold launches all succeed and leave one cache entry', async () => {
    const cache = join(base, 'cache32');
    const runs = await Promise.all(
      Array.from({ length: 32 }, () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(archive, [], { env: cleanEnv({ PAR_ROOT: cache }) });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code, out, err }));
      })),
    );
    for (const r of runs) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(EXPECTED);
    }
    expect(entries(cache)).toHaveLength(1);
    expect(readdirSync(join(cache, 'wheels')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  test('a launch killed mid-extraction leaves a state from which the next launch succeeds', async () => {
    const cache = join(base, 'cache-kill');
    const p = spawn(archive, [], { env: cleanEnv({ PAR_ROOT: cache }) });
    // Kill as soon as the private temp dir of the extraction appears.
    const wheels = join(cache, 'wheels');
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      if (existsSync(wheels) && readdirSync(wheels).some((n) => n.startsWith('.tmp-'))) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(readdirSync(wheels).some((n) => n.startsWith('.tmp-'))).toBe(true);
    p.kill('SIGKILL');
    await new Promise((r) => p.on('close', r));
    expect(entries(cache)).toEqual([]); // nothing half-written was published
    const next = runArchive(archive, [], { env: { PAR_ROOT: cache } });
    expect(next.stderr).toBe('');
    expect(next.stdout).toContain(EXPECTED);
    expect(entries(cache)).toHaveLength(1);
    expect(readdirSync(wheels).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  test('layout = "extract": unpacked once into the cache (bootstrap excepted), runs from disk with build-time bytecode', () => {
    const cache = join(base, 'cache-extract');
    const first = runArchive(extracted, [], { env: { PAR_ROOT: cache } });
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(EXPECTED);
    const unpacked = readdirSync(join(cache, 'extract')).filter((n) => !n.startsWith('.'));
    expect(unpacked).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    const dir = join(cache, 'extract', unpacked[0]);
    expect(existsSync(join(dir, 'solve.py'))).toBe(true);
    expect(existsSync(join(dir, '__pycache__/solve.cpython-311.pyc'))).toBe(true);
    const [numpyDir] = readdirSync(join(dir, '_w')); // numpy-<version>
    expect(numpyDir).toMatch(/^numpy-\d/);
    expect(existsSync(join(dir, '_w', numpyDir, 'numpy/linalg/__pycache__/_linalg.cpython-311.pyc'))).toBe(true);
    expect(existsSync(join(dir, '__par__'))).toBe(false); // keeps running from the archive (its own stamp)
    expect(existsSync(join(cache, 'wheels'))).toBe(false); // numpy came with the archive's copy
    // Program code and numpy are imported from the unpacked copy.
    const where = runArchive(extracted, ['-c', 'import numpy, __main__, __par__; print(numpy.__file__); print(__par__.archive)'], { env: { PAR_ROOT: cache, PAR_INTERPRETER: '1' } });
    expect(where.stderr).toBe('');
    expect(where.stdout).toBe(`${dir}/_w/${numpyDir}/numpy/__init__.py\n${extracted}\n`);
    // A second launch reuses the copy; nothing new is compiled into it (bytecode writing allowed).
    const before = spawnSync('find', [dir, '-name', '*.pyc'], { encoding: 'utf8' }).stdout;
    expect(runArchive(extracted, [], { env: { PAR_ROOT: cache } }).stdout).toContain(EXPECTED);
    expect(readdirSync(join(cache, 'extract')).filter((n) => !n.startsWith('.'))).toEqual(unpacked);
    expect(spawnSync('find', [dir, '-name', '*.pyc'], { encoding: 'utf8' }).stdout).toBe(before);
  });

  test('layout = "extract" under Python 3.12 fails with the compatibility message before unpacking anything', () => {
    const cache = join(base, 'cache-extract312');
    const r = runArchive(extracted, [], { env: { PAR_PYTHON: py312!, PAR_ROOT: cache } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/\/:solve_extracted bundles numpy \S+ \(numpy-\S+-cp311-cp311-manylinux\S+\.whl\), which needs CPython 3\.11/);
    expect(existsSync(join(cache, 'extract'))).toBe(false);
  });
});
