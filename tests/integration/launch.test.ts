// Launch (issue 5): interpreter selection across real pyenv interpreters, survival of a
// deleted or replaced archive, local copies, interpreter mode and multiprocessing spawn.
// Fixtures: tests/integration/launch/BUILD.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, cleanEnv, missingPyenv, pyenvInterpreters, runArchive, scratch, testEach, testUnless, writeWorkspace, type Result } from './harness';

jest.setTimeout(10 * 60_000);

const PKG = 'tests/integration/launch';
let bin = '';
const archive = (name: string) => join(bin, PKG, name);
const pyenv = pyenvInterpreters();
const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));

function ok(r: Result, what: string): Result {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r;
}

beforeAll(() => {
  const r = bazel(['build', `//${PKG}/...`]);
  if (r.status !== 0) throw new Error(`bazel build //${PKG}/... failed:\n${r.stderr.slice(-4000)}`);
  bin = bazel(['info', 'bazel-bin']).stdout.trim();
});

describe('interpreter selection', () => {
  const maybe = testUnless(missingPyenv(['3.11', '3.12', '3.13']));
  // pyenv's versions/*/bin dirs each hold python3 and python3.X; 3.11 first, as a host whose
  // default python3 is too old for a `python = ">=3.12"` archive.
  const path = () => [...['3.11', '3.12', '3.13'].map((m) => dirOf(pyenv.get(m)!)), '/usr/bin', '/bin'].join(':');

  maybe('the sh launcher skips a python3 that does not fit and picks a python3.X that does', () => {
    const r = ok(runArchive(archive('needs312'), [], { env: { PATH: path(), PAR_DEBUG_STARTUP: '1' } }), 'needs312');
    expect(r.stdout).toMatch(/^3\.1[23] /);
    expect(r.stderr).toMatch(/^par: launcher chose \S+python3\.1[23] \(best python3\.X on PATH; allowed: python\{3\.\d+( 3\.\d+)*\}; shim dirs skipped\)$/m);
    // The phases of the bootstrap follow, with their times.
    expect(r.stderr).toMatch(/^par: pin archive +\d+\.\d{3} ms \(total +\d+\.\d{3} ms\)$/m);
  });

  maybe('started by python3.11 itself, it re-targets to 3.12 or 3.13 from PATH', () => {
    const r = ok(runArchive(archive('needs312'), [], { env: { PATH: path() }, interpreter: pyenv.get('3.11')! }), 'needs312 via 3.11');
    expect(r.stdout).toMatch(/^3\.1[23] \S+python3\.1[23]\n$/);
  });

  maybe('PAR_PYTHON wins over PATH', () => {
    const r = ok(runArchive(archive('needs312'), [], { env: { PATH: path(), PAR_PYTHON: pyenv.get('3.12')! } }), 'PAR_PYTHON');
    expect(r.stdout).toBe(`3.12 ${pyenv.get('3.12')}\n`);
  });

  maybe('no fitting interpreter: the contract error names what was needed and what was tried', () => {
    const only311 = `${dirOf(pyenv.get('3.11')!)}:/bin`;
    const r = runArchive(archive('needs312'), [], { env: { PATH: only311 } });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /: \/\/tests\/integration\/launch:needs312 needs Python >=3\.12, but this is Python 3\.11\.\d+ \(\S+\)\. Tried: the running interpreter \S+ \(Python 3\.11\.\d+\); python\{[0-9.,]*3\.12\} on PATH \(none found\)\. Install a Python that satisfies >=3\.12 \(a python3\.X on PATH is found automatically\), or set PAR_PYTHON to one\.\n$/,
    );
    // An empty PATH: the launcher itself stops before any Python starts.
    const none = runArchive(archive('needs312'), [], { env: { PATH: '/nonexistent' } });
    expect(none.status).toBe(127);
    expect(none.stderr).toMatch(/: no Python interpreter found: looked for python3 and python\{[0-9. ]+\} on PATH \(shim directories skipped\)\. This program needs Python >=3\.12\. Install one or set PAR_PYTHON to its path\.\n$/);
  });

  maybe('version-manager shims on PATH are skipped (each would cost a ~100 ms shell start)', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'shims'));
    for (const name of ['python3', 'python3.12', 'python3.13']) {
      writeFileSync(join(dir, 'shims', name), '#!/bin/sh\necho SHIM\nexit 3\n');
      chmodSync(join(dir, 'shims', name), 0o755);
    }
    const r = ok(runArchive(archive('needs312'), [], { env: { PATH: `${dir}/shims:${path()}` } }), 'behind shims');
    expect(r.stdout).toMatch(/^3\.1[23] /);
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Starts the survivor, lets `meddle` act on its file once it is running, returns its output. */
function survive(file: string, meddle: () => void, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, [], { env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    let acted = false;
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (!acted && stdout.includes('\n')) {
        acted = true;
        try {
          meddle();
        } catch (e) {
          p.kill();
          reject(e);
          return;
        }
        p.stdin.end('go\n');
      }
    });
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the archive file goes away mid-run', () => {
  let dir = '';
  let app = '';
  let fpV1 = '';
  let fpV2 = '';
  beforeAll(() => {
    fpV1 = ok(runArchive(archive('survivor_v1'), [], { input: '' }), 'v1').stdout.split(/\s+/)[1];
    fpV2 = ok(runArchive(archive('survivor_v2'), [], { input: '' }), 'v2').stdout.split(/\s+/)[1];
    expect(fpV1).toMatch(/^[0-9a-f]{64}$/);
    expect(fpV2).not.toBe(fpV1);
  });
  beforeEach(() => {
    dir = scratch();
    app = join(dir, 'app');
    copyFileSync(archive('survivor_v1'), app);
    chmodSync(app, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const replace = () => {
    rmSync(app);
    copyFileSync(archive('survivor_v2'), `${app}.new`);
    renameSync(`${app}.new`, app);
  };
  const expectOwnBuild = (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`ready ${fpV1}\nafter v1 deep-v1 ${fpV1} ${fpV1}\n`);
    expect(r.code).toBe(0);
  };

  test('deleted: it still imports packages it had not imported yet', async () => {
    expectOwnBuild(await survive(app, () => rmSync(app)));
  });

  test('deleted and replaced by another build: it keeps running its own build', async () => {
    expectOwnBuild(await survive(app, replace));
    // The new file is the other build.
    expect(ok(runArchive(app, [], { input: '' }), 'v2 in place').stdout).toBe(`ready ${fpV2}\nafter v2 deep-v2-other ${fpV2} ${fpV2}\n`);
  });

  const ends = ['3.8', '3.13'].filter((m) => pyenv.has(m));
  testEach(ends, 'replaced, under Python %s (zipimport differs across versions)', missingPyenv(['3.8', '3.13']), async (minor) => {
    expectOwnBuild(await survive(app, replace, { PAR_PYTHON: pyenv.get(minor)! }));
  });

  test('PAR_LOCAL_COPY=1 runs from a copy in the cache, made once', async () => {
    const root = join(dir, 'cache');
    const env = { PAR_LOCAL_COPY: '1', PAR_ROOT: root };
    expectOwnBuild(await survive(app, replace, env));
    const copies = join(root, 'copies');
    const where = ok(runArchive(app, ['-c', 'import __par__; print(__par__.archive)'], { env: { ...env, PAR_INTERPRETER: '1' } }), 'where');
    expect(where.stdout).toMatch(new RegExp(`^${copies}/${fpV2.slice(0, 32)}-[0-9a-f]+-[0-9a-f]+/archive\n$`));
    const debug = ok(runArchive(app, [], { env: { ...env, PAR_DEBUG_STARTUP: '1' }, input: '' }), 'debug');
    expect(debug.stderr).toMatch(/^par: local copy \(PAR_LOCAL_COPY=1\) +\d/m);
  });

  test('local_copy = True does the same without the variable; PAR_LOCAL_COPY=0 turns it off', async () => {
    copyFileSync(archive('survivor_copy'), app);
    const root = join(dir, 'cache');
    const fp = ok(runArchive(app, [], { input: '', env: { PAR_ROOT: root } }), 'copy').stdout.split(/\s+/)[1];
    const r = await survive(app, replace, { PAR_ROOT: root });
    expect(r.stdout).toBe(`ready ${fp}\nafter v1 deep-v1 ${fp} ${fp}\n`);
    const inPlace = join(dir, 'inplace');
    copyFileSync(archive('survivor_copy'), inPlace);
    const off = ok(runArchive(inPlace, ['-c', 'import __par__; print(__par__.archive)'], { env: { PAR_ROOT: root, PAR_LOCAL_COPY: '0', PAR_INTERPRETER: '1' } }), 'off');
    expect(off.stdout).toBe(`${inPlace}\n`);
  });
});

describe('interpreter mode', () => {
  const run = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
    runArchive(archive('spawner'), args, { ...opts, env: { PAR_INTERPRETER: '1', ...opts.env } });

  test('-c, -m, a script, stdin and `-` see the archive\'s modules and python\'s argv', () => {
    expect(ok(run(['-c', 'import sys, workers.square as s; print(s.square(7)[0], sys.argv)', 'a', 'b']), '-c').stdout).toBe("49 ['-c', 'a', 'b']\n");
    const dir = scratch();
    writeFileSync(join(dir, 'script.py'), 'import sys\nfrom workers.square import square\nprint(square(3)[0], sys.argv, __name__)\n');
    expect(ok(run([join(dir, 'script.py'), 'x']), 'script').stdout).toBe(`9 ['${join(dir, 'script.py')}', 'x'] __main__\n`);
    expect(ok(run([], { input: 'from workers.square import square\nprint(square(4)[0])\n' }), 'stdin').stdout).toBe('16\n');
    expect(ok(run(['-', 'q'], { input: 'import sys; print(sys.argv)\n' }), '-').stdout).toBe("['-', 'q']\n");
    writeFileSync(join(dir, 'mod.py'), '');
    // -m runs a module of the archive as __main__ (here the program's own main).
    expect(ok(run(['-m', 'tests.integration.launch.spawner']), '-m').stdout).toMatch(/^squares \[0, 1, 4, 9, 16, 25\]\n/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('-u, -E, -W and -X options go to the interpreter', () => {
    const probe = 'import sys; print(sys.flags.ignore_environment, sys.stdout.write_through, sys.warnoptions, sys._xoptions)';
    const r = ok(run(['-u', '-E', '-W', 'error::DeprecationWarning', '-X', 'par_probe=1', '-c', probe]), 'flags');
    expect(r.stdout).toBe("1 True ['error::DeprecationWarning'] {'par_probe': '1'}\n");
    expect(run(['-c']).stderr).toMatch(/PAR_INTERPRETER=1 takes python's arguments: \[options\] \(-c CMD \| -m MODULE \| SCRIPT \| -\) \[ARGS\]/);
  });

  test('multiprocessing spawn workers import the archive\'s modules (program and -c)', () => {
    expect(ok(runArchive(archive('spawner')), 'spawner').stdout).toBe('squares [0, 1, 4, 9, 16, 25]\nworker pids distinct from parent: True\n');
    const code = [
      'import multiprocessing as mp',
      'from workers.square import square',
      "with mp.get_context('spawn').Pool(2) as p: print(sorted(r for r, _ in p.map(square, [5, 6])))",
    ].join('\n');
    expect(ok(run(['-c', code]), 'spawn -c').stdout).toBe('[25, 36]\n');
  });

  test('__par__.fingerprint and require_fingerprint(): same code passes, other code fails clearly', () => {
    const fp = ok(run(['-c', 'import __par__; print(__par__.fingerprint)']), 'fp').stdout.trim();
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(run(['-c', `import __par__; __par__.require_fingerprint('${fp}'); print('same')`]), 'same').stdout).toBe('same\n');
    const bad = run(['-c', "import __par__; __par__.require_fingerprint('0' * 64)"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      `__par__.CodeMismatchError: //tests/integration/launch:spawner: this process runs code ${fp} from ${archive('spawner')}, but the caller expects ${'0'.repeat(64)}. Ship the same archive to every worker (e.g. PYSPARK_PYTHON pointing at one copy of it) and retry.`,
    );
  });
});


describe('sources = False', () => {
  test('ships the bytecode alone: the program runs, its .py is not in the archive, the archive is smaller', async () => {
    const { ZipReader } = await import('../../src/archive/zip');
    const names = async (a: string) => {
      const z = await ZipReader.open(a);
      try {
        return z.entries.map((e) => e.name);
      } finally {
        await z.close();
      }
    };
    const r = ok(runArchive(archive('sourceless')), 'sourceless');
    expect(r.stdout).toMatch(/^3\.\d+ /);
    const shipped = await names(archive('sourceless'));
    expect(shipped).toContain('tests/integration/launch/version.pyc');
    expect(shipped).not.toContain('tests/integration/launch/version.py');
    expect(shipped).toContain('__par__/_boot.py'); // the bootstrap keeps its sources (other minors compile them)
  });

  test('with compile = False: fails at analysis, naming the attribute and why', () => {
    const base = scratch('par-it-sourceless-');
    const ws = join(base, 'ws');
    const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=30'];
    try {
      writeWorkspace(ws, { 'app/BUILD': 'load("@rules_par//rules:defs.bzl", "python_binary")\npython_binary(name = "a", main = "a.py", srcs = ["a.py"], sources = False, compile = False)\n', 'app/a.py': '' });
      const r = bazel(['build', '//app:a'], { cwd: ws, startup });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('python_binary //app:a: sources = False ships bytecode instead of sources, so it needs compile = True.');
      bazel(['shutdown'], { cwd: ws, startup });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
