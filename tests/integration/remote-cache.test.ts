// The remote cache as a tested property (docs/remote.md): checkout A builds against an HTTP
// cache (nginx's WebDAV on loopback, tests/helpers/nginx_cache.sh); checkout B — a copy at
// another path, with its own output base and $HOME — then executes no rules_par action
// (every Par* spawn in its execution log is a cache hit) and gets byte-identical archives.
// Then, on B's server: --disk_cache alone, --remote_download_toplevel (the archive is still
// downloaded and `bazel run` works), --config=release (the payload hits, only stamping runs
// when the status changed), and the cache server killed in the middle of a build.
//
// One server per checkout; B's cases `bazel clean` and rebuild, which costs only cache reads.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, realpathSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { executed, readExecLog } from './exec-log';
import { BAZEL, pyenvInterpreters, ROOT, runArchive, scratch } from './harness';

jest.setTimeout(15 * 60_000);

const py311 = pyenvInterpreters().get('3.11');
const COPY = ['WORKSPACE', 'BUILD', '.bazelrc', 'package.json', 'rules', 'toolchains', 'tools', 'src/bootstrap', 'third_party/offline_stubs', 'tests/helpers', 'examples/monorepo', 'examples/numpy'];
// Binaries and a python_test (its archive is cached like a binary's). examples/monorepo/tests
// holds the pytest example, present only where make_wheels.sh ran, so it is left out.
const MONOREPO = {
  wordcount: 'examples/monorepo/tools/wordcount/wordcount',
  greeter: 'examples/monorepo/tools/greeter/greeter',
  tokens_test: 'examples/monorepo/libs/words/tokens_test',
};
// The numpy example is its own workspace; here it is @numpy_example of the checkout, so one
// server per checkout builds both examples.
const NUMPY = { solve: 'external/numpy_example/solve' };
const ARCHIVES: Record<string, string> = { ...MONOREPO, ...(py311 ? NUMPY : {}) };
const TARGETS = ['//examples/monorepo/tools/...', '//examples/monorepo/libs/...', ...(py311 ? ['@numpy_example//:solve'] : [])];
const HELPER = join(ROOT, 'tests/helpers/nginx_cache.sh');
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
// scripts/setup.sh (CI) installs nginx; elsewhere its absence skips this file, saying so.
const haveNginx = existsSync(NGINX);
const maybe = haveNginx ? describe : describe.skip;
if (!haveNginx) console.warn(`remote-cache.test.ts SKIPPED: no ${NGINX} (apt-get install nginx, or set NGINX)`);
const greeting = (text: string) => `=============\n1 greeting(s)\n=============\n${text}\n`;

const base = scratch('par-it-remote-');
const A = join(base, 'a');
const B = join(base, 'elsewhere', 'checkout-b');
const cacheDir = join(base, 'cache');
const diskCache = join(base, 'disk-cache');
let port = 0;
let remote = '';
let server: ChildProcess | undefined;

/** A CI runner's environment: no pyenv shims on PATH, a $HOME of its own per checkout. */
const env = (home: string) => ({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' });
const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...env(join(base, 'home-git')), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd} failed:\n${r.stderr}`);
  return r.stdout.trim();
};

function bazelArgs(ws: string, args: string[]): string[] {
  return [`--output_base=${ws}.output_base`, '--max_idle_secs=120', args[0], '--color=no', '--curses=no', ...args.slice(1)];
}

let logN = 0;
/** Builds TARGETS in `ws`; returns the spawns of its execution log and its stderr. */
function build(ws: string, args: string[], extraEnv: Record<string, string> = {}) {
  const log = join(base, `exec-${logN++}.json`);
  const r = spawnSync(BAZEL, bazelArgs(ws, ['build', `--execution_log_json_file=${log}`, ...args, ...TARGETS]), {
    cwd: ws, env: { ...env(`${ws}.home`), ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`bazel build ${args.join(' ')} in ${ws} failed:\n${r.stderr.slice(-4000)}`);
  return { spawns: readExecLog(log), stderr: r.stderr };
}

function bazelIn(ws: string, ...args: string[]) {
  return spawnSync(BAZEL, bazelArgs(ws, args), { cwd: ws, env: env(`${ws}.home`), encoding: 'utf8', maxBuffer: 64 << 20 });
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
/** sha256 of each archive, by name (@numpy_example's outputs are under bazel-bin/external/). */
function sums(ws: string): Record<string, string> {
  return Object.fromEntries(Object.entries(ARCHIVES).map(([name, path]) => [name, sha(realpathSync(join(ws, 'bazel-bin', path)))]));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** Starts nginx on `port` serving cacheDir (same root across restarts); DIRECTIVES go into its server block. */
async function startCache(directives = ''): Promise<void> {
  const proc = spawn(HELPER, [cacheDir, String(port), directives], { env: { ...process.env, NGINX }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  server = proc;
  for (let i = 0; i < 100; i++) {
    if (await listening()) return;
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx (${HELPER}) did not start on 127.0.0.1:${port}:\n${err}${readFileSync(join(cacheDir, 'logs/error.log'), 'utf8')}`);
}

async function stopCache(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const proc = server;
  server = undefined;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await exited;
}

let archivesA: Record<string, string> = {};
let ranInA: string[] = [];
let stampedA = '';
let offRemote: string[] = [];
const commitTime = (ws: string) => git(ws, 'log', '-1', '--format=%ct');
const parMnemonics = (spawns: { mnemonic: string }[]) => spawns.map((s) => s.mnemonic).filter((m) => m.startsWith('Par')).sort();

beforeAll(async () => {
  if (!haveNginx) return;
  for (const p of COPY) cpSync(join(ROOT, p), join(A, p), { recursive: true, filter: (src) => !/\/(bazel-[^/]*|third_party\/[^/]*\.whl)$/.test(src) });
  if (py311) {
    const gen = spawnSync(join(A, 'examples/numpy/make_wheels.sh'), [py311], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`make_wheels.sh failed:\n${gen.stderr}`);
  }
  appendFileSync(join(A, 'WORKSPACE'), '\nlocal_repository(name = "numpy_example", path = "examples/numpy")\n');
  // A git checkout, so --config=release stamps a revision; B is a clone-like copy of the same
  // commit (same tree, author and dates: the same revision).
  git(A, 'init', '-q');
  git(A, 'add', '.');
  git(A, 'commit', '-qm', 'first');
  cpSync(A, B, { recursive: true });
  for (const ws of [A, B]) mkdirSync(`${ws}.home`, { recursive: true });

  port = await freePort();
  remote = `--remote_cache=http://127.0.0.1:${port}`;
  await startCache();
  // Checkout A fills the HTTP cache and a disk cache, unstamped and --config=release.
  const first = build(A, [remote, `--disk_cache=${diskCache}`]).spawns;
  ranInA = parMnemonics(first);
  offRemote = first.filter((s) => s.mnemonic.startsWith('Par') && !(s.remotable && s.cacheable && s.remoteCacheable)).map((s) => s.mnemonic);
  archivesA = sums(A);
  // CI pins the build time to the commit's (tools/workspace_status.sh honours SOURCE_DATE_EPOCH).
  build(A, [remote, '--config=release'], { SOURCE_DATE_EPOCH: commitTime(A) });
  stampedA = sha(join(A, 'bazel-bin', MONOREPO.greeter));
});

afterAll(async () => {
  await stopCache();
  if (haveNginx) for (const ws of [A, B]) bazelIn(ws, 'shutdown');
  rmSync(base, { recursive: true, force: true });
});

maybe('a second checkout builds from the remote cache', () => {
  test(`checkout B executes no Par* action and gets identical archives${py311 ? '' : ' (numpy example SKIPPED: no pyenv 3.11 to make its wheel)'}`, () => {
    const { spawns } = build(B, [remote]);
    expect(executed(spawns)).toEqual([]);
    // No rules_par action is kept off remote execution or the cache (no-remote, local, no-cache).
    expect(offRemote).toEqual([]);
    // Every spawn A executed, B looked up and found.
    expect(parMnemonics(spawns)).toEqual(ranInA);
    expect(ranInA).toEqual(expect.arrayContaining(['ParImportsCheck', 'ParPack', ...(py311 ? ['ParWheel', 'ParWheelBytecode'] : [])]));
    expect(sums(B)).toEqual(archivesA);
  });

  (py311 ? test : test.skip)('the numpy archive from the cache runs (pyenv 3.11)', () => {
    const r = runArchive(join(B, 'bazel-bin', NUMPY.solve), [], { env: { PAR_ROOT: join(base, 'par-root') } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('det = 40.000000\n');
  });

  test('--disk_cache alone: every Par* spawn is a cache hit, archives identical', () => {
    expect(bazelIn(B, 'clean').status).toBe(0);
    const { spawns } = build(B, [`--disk_cache=${diskCache}`]);
    expect(executed(spawns)).toEqual([]);
    expect(spawns.filter((s) => s.mnemonic === 'ParPack').length).toBe(Object.keys(ARCHIVES).length);
    expect(sums(B)).toEqual(archivesA);
  });

  test('--remote_download_toplevel: the archive is downloaded and `bazel run` works', () => {
    expect(bazelIn(B, 'clean').status).toBe(0);
    const { spawns } = build(B, [remote, '--remote_download_toplevel']);
    expect(executed(spawns)).toEqual([]);
    expect(sums(B)).toEqual(archivesA);
    const run = bazelIn(B, 'run', remote, '--remote_download_toplevel', '//examples/monorepo/tools/greeter', '--', '--lang', 'fr', 'Ada');
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.stdout).toBe(greeting('Bonjour, Ada!'));
  });
});

maybe('--config=release from the cache', () => {
  const stamped = (ws: string) => {
    const r = runArchive(join(ws, 'bazel-bin', MONOREPO.greeter), [], { env: { PAR_INFO: '1' } });
    if (r.status !== 0) throw new Error(`PAR_INFO=1 greeter failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as { revision: string; stamped: boolean };
  };

  test('same commit, SOURCE_DATE_EPOCH = its time: everything hits, stamping included; identical stamped archive', () => {
    const { spawns } = build(B, [remote, '--config=release'], { SOURCE_DATE_EPOCH: commitTime(B) });
    expect(executed(spawns)).toEqual([]);
    expect(parMnemonics(spawns)).toContain('ParStamp');
    expect(sha(join(B, 'bazel-bin', MONOREPO.greeter))).toBe(stampedA);
    expect(stamped(B)).toMatchObject({ stamped: true, revision: git(B, 'rev-parse', 'HEAD') });
  });

  test('a fresh output base at another build time: the payload hits, only ParStamp runs (the volatile status is in its cache key)', () => {
    // In one output base a volatile-only change re-runs nothing; a new runner has no such state.
    expect(bazelIn(B, 'clean').status).toBe(0);
    const { spawns } = build(B, [remote, '--config=release'], { SOURCE_DATE_EPOCH: String(Number(commitTime(B)) + 60) });
    expect(executed(spawns)).toEqual(Object.keys(ARCHIVES).map(() => 'ParStamp worker'));
    expect(stamped(B)).toMatchObject({ stamped: true, revision: git(B, 'rev-parse', 'HEAD') });
  });

  test('a new commit re-runs only the stamping, against the same cached payload', () => {
    writeFileSync(join(B, 'NOTES'), 'a change outside the build\n');
    git(B, 'add', 'NOTES');
    git(B, 'commit', '-qm', 'second');
    const { spawns } = build(B, [remote, '--config=release'], { SOURCE_DATE_EPOCH: commitTime(B) });
    expect(executed(spawns)).toEqual(Object.keys(ARCHIVES).map(() => 'ParStamp worker'));
    expect([...new Set(spawns.map((s) => s.mnemonic))]).toEqual(['ParStamp']);
    expect(stamped(B)).toMatchObject({ stamped: true, revision: git(B, 'rev-parse', 'HEAD') });
  });
});

maybe('the cache server dies in the middle of a build', () => {
  test('the build completes locally; the archives are intact, and so is the cache', async () => {
    expect(bazelIn(B, 'clean').status).toBe(0);
    // Served slowly, so the build is still reading from the cache when nginx is killed.
    await stopCache();
    await startCache('limit_rate 32k;');
    const log = join(base, 'exec-killed.json');
    const proc = spawn(BAZEL, bazelArgs(B, ['build', remote, `--execution_log_json_file=${log}`, ...TARGETS]), { cwd: B, env: env(`${B}.home`) });
    let stderr = '';
    let killed = false;
    const done = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.stderr!.on('data', (d) => {
      stderr += d;
      if (!killed && /INFO: Analyzed/.test(stderr)) {
        killed = true;
        void stopCache('SIGKILL');
      }
    });
    const status = await done;
    expect(killed).toBe(true);
    if (status !== 0) throw new Error(`bazel build failed after the cache died:\n${stderr.slice(-4000)}`);
    const spawns = readExecLog(log);
    // Some spawns were served before the kill, at least one was not and ran locally.
    expect(executed(spawns).length).toBeGreaterThan(0);
    expect(stderr).toMatch(/WARNING: .*(127\.0\.0\.1|[Rr]emote [Cc]ache)/);
    expect(sums(B)).toEqual(archivesA);
    expect(runArchive(join(B, 'bazel-bin', MONOREPO.greeter), ['Ada']).stdout).toBe(greeting('Hello, Ada!'));

    // The cache holds no torn entry: a clean build served by it again is all hits, identical.
    await startCache();
    expect(bazelIn(B, 'clean').status).toBe(0);
    const again = build(B, [remote]);
    expect(executed(again.spawns)).toEqual([]);
    expect(sums(B)).toEqual(archivesA);
  });
});
