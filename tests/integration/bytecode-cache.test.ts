// Bytecode cache (issue 5, src/bootstrap/__par__/_bytecode.py): an archive run by an
// interpreter its .pyc do not fit compiles once, then loads code from the per-user cache.
// Runs the hello and monorepo archives under a pyenv interpreter other than the build one.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, missingPyenv, pyenvInterpreters, runArchive, scratch, testUnless, type Result } from './harness';

jest.setTimeout(10 * 60_000);

let bin = '';
const hello = () => join(bin, 'examples/hello/pkg');
const wordcount = () => join(bin, 'examples/monorepo/tools/wordcount/wordcount');
const pyenv = pyenvInterpreters();
let other = ''; // an interpreter whose minor is not the build interpreter's
let buildPy = ''; // one whose minor is
let tag = '';
let fingerprint = '';
const dirs: string[] = [];

function ok(r: Result, what: string): Result {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r;
}

// The temp fallback's parent: a /tmp/par-<uid> that another run left (the host's /tmp is
// shared) would otherwise be read and written instead of a root the test has yet to create.
const TMPDIR = scratch('par-bc-tmp-');

/** A fresh cache root (not created: the first launch makes it). */
function freshRoot(): string {
  const d = scratch('par-bc-');
  dirs.push(d);
  return join(d, 'root');
}

const run = (archive: string, root: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}, py = other) =>
  runArchive(archive, args, { env: { PAR_PYTHON: py, PAR_ROOT: root, TMPDIR, ...extra } });
const debug = (archive: string, root: string, args: string[] = [], input?: string) =>
  ok(runArchive(archive, args, { env: { PAR_PYTHON: other, PAR_ROOT: root, TMPDIR, PAR_DEBUG_STARTUP: '1' }, input }), archive);
const bundle = (root: string) => join(root, 'bytecode', `${fingerprint}-${tag}`, 'bundle');

/** Runs `code` under the non-build interpreter with the bundle's path as argv[1]. */
function edit(root: string, code: string): void {
  const r = spawnSync(other, ['-S', '-c', `import marshal, sys\np = sys.argv[1]\nmagic, boot, fmt, e = marshal.loads(open(p, 'rb').read())\n${code}\nopen(p, 'wb').write(marshal.dumps((magic, boot, fmt, e)))`, bundle(root)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`editing the bundle failed:\n${r.stderr}`);
}

beforeAll(() => {
  ok(bazel(['build', '//examples/hello:pkg', '//examples/monorepo/tools/wordcount']), 'bazel build');
  bin = ok(bazel(['info', 'bazel-bin']), 'bazel info').stdout.trim();
  const info = JSON.parse(ok(runArchive(hello(), [], { env: { PAR_INFO: '1' } }), 'PAR_INFO').stdout);
  fingerprint = info.fingerprint;
  const build = (info.build_python as string).split('.').slice(0, 2).join('.');
  other = ['3.13', '3.12'].filter((m) => m !== build).map((m) => pyenv.get(m)).find(Boolean) ?? '';
  buildPy = pyenv.get(build) ?? '';
  if (other) tag = ok(runArchive(other, ['-S', '-c', 'import sys; print(sys.implementation.cache_tag)']), 'cache_tag').stdout.trim();
});

afterAll(() => {
  rmSync(TMPDIR, { recursive: true, force: true });
  for (const d of dirs) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});

// Skips visibly when pyenv has neither 3.12 nor 3.13; when the only one is the build minor,
// the test can tell only after the build, and says so.
const noOther = pyenv.has('3.12') || pyenv.has('3.13') ? undefined : missingPyenv(['3.12', '3.13']);
const maybe = (name: string, fn: () => void) =>
  testUnless(noOther)(name, () => {
    if (!other) {
      console.log(`skipped "${name}": no pyenv python3.12/3.13 other than the build interpreter's minor`);
      return;
    }
    fn();
  });

describe('an interpreter the shipped .pyc do not fit', () => {
  maybe('the first launch compiles and writes the bundle; the second loads every module from it', () => {
    const root = freshRoot();
    const first = debug(hello(), root, ['a']);
    expect(first.stdout).toBe('Hello from rules_par! a\n');
    expect(first.stderr).toContain(`par: bytecode cache: 0 modules for ${tag} in None (read by __par__)\n`);
    expect(first.stderr).toMatch(new RegExp(`^par: bytecode cache: 0 loaded, [1-9]\\d* compiled; wrote \\d+ modules to ${bundle(root)}$`, 'm'));
    const written = statSync(bundle(root));
    expect((written.mode & 0o777).toString(8)).toBe('600');
    expect((statSync(root).mode & 0o777).toString(8)).toBe('700');

    const second = debug(hello(), root, ['b']);
    expect(second.stdout).toBe('Hello from rules_par! b\n');
    // Read by the launcher's first line, before __par__ is imported: nothing is compiled.
    expect(second.stderr).toMatch(new RegExp(`^par: bytecode cache: \\d+ modules for ${tag} in ${root} \\(read by the launcher\\)$`, 'm'));
    expect(second.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 0 compiled; nothing new to write$/m);
    expect(statSync(bundle(root)).mtimeMs).toBe(written.mtimeMs); // not rewritten
  });

  maybe('the code really comes from the cache: a substituted entry with the right CRC runs; a stale CRC is compiled again', () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    edit(root, "k = 'examples/hello/hello.py'\ne[k] = e[k][:2] + (marshal.dumps(compile('print(\"served from the cache\")', k, 'exec')),)");
    expect(ok(run(hello(), root), 'substituted').stdout).toBe('served from the cache\n');

    // The same substitution under another CRC (as after a rebuild with a changed bootstrap or
    // _stamp.py, which keep the fingerprint): checked against the zip directory, not used.
    edit(root, "k = 'examples/hello/hello.py'\ne[k] = (e[k][0] ^ 1,) + e[k][1:]");
    const stale = debug(hello(), root, ['x']);
    expect(stale.stdout).toBe('Hello from rules_par! x\n');
    expect(stale.stderr).toMatch(/^par: bytecode cache: \d+ loaded, 1 compiled; wrote \d+ modules to /m);
    expect(ok(run(hello(), root, ['y']), 'after rewrite').stdout).toBe('Hello from rules_par! y\n');
  });

  maybe('a corrupted bundle is ignored, the program runs, and the bundle is rewritten', () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    writeFileSync(bundle(root), Buffer.from('\x00garbage, not marshal data'));
    const r = run(hello(), root, ['c']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from rules_par! c\n');
    expect(r.status).toBe(0);
    expect(debug(hello(), root).stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 0 compiled; nothing new to write$/m);

    // One damaged entry (truncated code) among good ones: that module alone is compiled again.
    edit(root, "k = 'examples/hello/hello.py'\ne[k] = e[k][:2] + (e[k][2][:7],)");
    const one = debug(hello(), root, ['d']);
    expect(one.stdout).toBe('Hello from rules_par! d\n');
    expect(one.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 1 compiled; wrote \d+ modules to /m);
  });

  maybe('a cache it cannot write to: the program runs, silently, compiling', () => {
    // As root a chmod does not stop writes, so `bytecode` is a file where a directory should be.
    const root = freshRoot();
    mkdirSync(root, { mode: 0o700 });
    writeFileSync(join(root, 'bytecode'), '');
    const r = run(hello(), root, ['e']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from rules_par! e\n');
    expect(r.status).toBe(0);
    expect(debug(hello(), root).stderr).toMatch(new RegExp(`^par: bytecode cache: 0 loaded, [1-9]\\d* compiled; not written to ${join(root, 'bytecode', `${fingerprint}-${tag}`)}: Not a directory$`, 'm'));
  });

  maybe('a read-only cache that holds the bundle is used as it is', () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    const entry = join(root, 'bytecode', `${fingerprint}-${tag}`);
    for (const p of [bundle(root), entry, join(root, 'bytecode'), root]) chmodSync(p, p === bundle(root) ? 0o400 : 0o500);
    const r = debug(hello(), root, ['f']);
    expect(r.stdout).toBe('Hello from rules_par! f\n');
    expect(r.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 0 compiled; nothing new to write$/m);
    for (const p of [entry, join(root, 'bytecode'), root]) chmodSync(p, 0o700);
  });

  maybe('a cache directory others can write to is not read', () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    chmodSync(root, 0o777);
    const r = debug(hello(), root, ['g']);
    expect(r.stdout).toBe('Hello from rules_par! g\n');
    expect(r.stderr).not.toContain(`in ${root} (`);
    chmodSync(root, 0o700);
  });

  maybe('the monorepo entry point: second launch from the cache, same output', () => {
    const root = freshRoot();
    const text = "To be, or not to be: that's the question. TO BE!";
    const first = debug(wordcount(), root, ['--top', '2'], text);
    expect(first.stdout).toBe('to  3\nbe  3\n');
    expect(first.stderr).toMatch(/^par: bytecode cache: 0 loaded, ([4-9]|\d\d+) compiled; wrote \d+ modules to /m);
    const second = debug(wordcount(), root, ['--top', '2'], text);
    expect(second.stdout).toBe('to  3\nbe  3\n');
    expect(second.stderr).toMatch(/^par: bytecode cache: ([4-9]|\d\d+) loaded, 0 compiled; nothing new to write$/m);
  });

  maybe('started as `python ARCHIVE` (no launcher line): __par__ reads the cache, the rest loads from it', () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    const r = ok(runArchive(hello(), ['h'], { interpreter: other, env: { PAR_ROOT: root, TMPDIR, PAR_DEBUG_STARTUP: '1' } }), 'python ARCHIVE');
    expect(r.stdout).toBe('Hello from rules_par! h\n');
    expect(r.stderr).toMatch(new RegExp(`^par: bytecode cache: \\d+ modules for ${tag} in ${root} \\(read by __par__\\)$`, 'm'));
    expect(r.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 0 compiled; nothing new to write$/m);
  });

  maybe("a bundle whose copy of the cache's own code is stale is not run by the launcher, and is repaired", () => {
    const root = freshRoot();
    ok(run(hello(), root), 'first run');
    // As after an upgrade of rules_par that kept the program (and so the fingerprint) the same.
    edit(root, "k = '__par__/_bytecode.py'\ne[k] = (e[k][0] ^ 1,) + e[k][1:]");
    const stale = debug(hello(), root, ['i']);
    expect(stale.stdout).toBe('Hello from rules_par! i\n');
    expect(stale.stderr).toContain(' (read by __par__)\n');
    // _bytecode.py itself, compiled again at exit for the next launch's first line.
    expect(stale.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 1 compiled; wrote \d+ modules to /m);
    expect(debug(hello(), root, ['j']).stderr).toContain(' (read by the launcher)\n');
  });

  maybe('a cache root with characters the launcher does not quote: __par__ still uses the cache', () => {
    const root = `${freshRoot()}'quote`;
    ok(run(hello(), root), 'first run');
    const r = debug(hello(), root, ['k']);
    expect(r.stdout).toBe('Hello from rules_par! k\n');
    expect(r.stderr).toContain(`in ${root} (read by __par__)\n`);
    expect(r.stderr).toMatch(/^par: bytecode cache: [1-9]\d* loaded, 0 compiled; nothing new to write$/m);
  });

  maybe('picked from PATH (python3 there is another minor): the launcher line reads the cache', () => {
    const root = freshRoot();
    const path = `${other.slice(0, other.lastIndexOf('/'))}:/usr/bin:/bin`;
    ok(runArchive(hello(), [], { env: { PATH: path, PAR_ROOT: root, TMPDIR } }), 'first run');
    const r = ok(runArchive(hello(), ['l'], { env: { PATH: path, PAR_ROOT: root, TMPDIR, PAR_DEBUG_STARTUP: '1' } }), 'second run');
    expect(r.stdout).toBe('Hello from rules_par! l\n');
    expect(r.stderr).toMatch(/^par: launcher chose \S+\/python3 \(python3 from the shebang is python3\.1[23];/m);
    expect(r.stderr).toContain(' (read by the launcher)\n');
  });

  maybe('PAR_BYTECODE_CACHE=0 turns it off', () => {
    const root = freshRoot();
    const r = ok(run(hello(), root, [], { PAR_BYTECODE_CACHE: '0', PAR_DEBUG_STARTUP: '1' }), 'off');
    expect(r.stdout).toBe('Hello from rules_par!\n');
    expect(r.stderr).not.toContain('bytecode cache');
    expect(existsSync(join(root, 'bytecode'))).toBe(false);
  });
});

describe('the build interpreter', () => {
  testUnless(pyenv.size ? undefined : missingPyenv(['3.8', '3.9', '3.10', '3.11', '3.12', '3.13']))('loads nothing of the cache: no module, no file', () => {
    if (!buildPy) {
      console.log('skipped: no pyenv interpreter with the build minor');
      return;
    }
    const root = freshRoot();
    const r = ok(
      runArchive(hello(), ['-c', "import sys; print('__par__._bytecode' in sys.modules)"], {
        env: { PAR_PYTHON: buildPy, PAR_ROOT: root, TMPDIR, PAR_INTERPRETER: '1', PAR_DEBUG_STARTUP: '1' },
      }),
      'build interpreter',
    );
    expect(r.stdout).toBe('False\n');
    expect(r.stderr).not.toContain('bytecode cache');
    expect(existsSync(join(root, 'bytecode'))).toBe(false);
    // Picked from PATH as the build minor: the launcher's launch-blob bootstrap, no cache in it.
    const cmdline = "import sys; print(open('/proc/self/cmdline', 'rb').read().split(b'\\0')[3].decode())";
    const path = `${buildPy.slice(0, buildPy.lastIndexOf('/'))}:/usr/bin:/bin`;
    const line = ok(runArchive(hello(), ['-c', cmdline], { env: { PATH: path, PAR_ROOT: root, TMPDIR, PAR_INTERPRETER: '1' } }), 'cmdline');
    // The launch-blob line (ending in the length check of issue 12), nothing of the cache.
    expect(line.stdout).toMatch(/^import sys,posix,marshal as m;f=posix\.open\(sys\.argv\[1\].*\nexec\(c if len\(b\)==\d+ else "sys\.exit\('%s is truncated or damaged \(%d of \d+ bytes\); copy it again'%\(sys\.argv\[2\],posix\.stat\(sys\.argv\[1\]\)\.st_size\)\)"\)\n$/s);
    expect(line.stdout).not.toContain('bytecode');
    if (other) {
      const o = ok(runArchive(hello(), ['-c', "import sys; print('__par__._bytecode' in sys.modules)"], { env: { PAR_PYTHON: other, PAR_ROOT: root, TMPDIR, PAR_INTERPRETER: '1' } }), 'other');
      expect(o.stdout).toBe('True\n');
    }
  });
});

