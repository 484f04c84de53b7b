// Release stamping end to end (issue 3, docs/stamping.md): a throw-away git repository that
// uses rules_par through local_repository, built with its own output base so --stamp and the
// status script never disturb the shared server. Action counts come from Bazel's own
// --execution_log_json_file: an action that was not executed has no spawn there.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { LAUNCH_BLOB_ENTRY } from '../../src/archive/contract';
import { bazel, DIRECTORY_CHECK, ROOT, runArchive, scratch, writeWorkspace } from './harness';
import { ZipReader } from '../../src/archive/zip';
import { launcherScript } from '../../src/packager/preamble';

jest.setTimeout(15 * 60 * 1000);

const dir = scratch('par-stamp-it-');
const ws = join(dir, 'repo');
// A snapshot of the rule set: its files can change while this test runs (regenerated
// bundle, edited bootstrap), and any such change would re-run actions and spoil the counts.
const rules = join(dir, 'rules_par');
const startup = [`--output_base=${join(dir, 'ob')}`, '--max_idle_secs=300'];
const BINARIES = ['follow', 'never', 'always'];

function sh(cmd: string, args: string[], cwd = ws): string {
  const r = spawnSync(cmd, args, {
    cwd, encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}
const git = (...args: string[]) => sh('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args]);

function write(rel: string, text: string) {
  mkdirSync(join(ws, rel, '..'), { recursive: true });
  writeFileSync(join(ws, rel), text);
}

function snapshotRuleSet() {
  const skip = (src: string) => !/\/(bazel-[^/]*|node_modules|\.git)$/.test(src);
  for (const d of ['rules', 'toolchains', 'src', 'tools', 'third_party']) cpSync(join(ROOT, d), join(rules, d), { recursive: true, filter: skip });
  for (const f of ['WORKSPACE', 'BUILD', 'MODULE.bazel', 'package.json']) if (existsSync(join(ROOT, f))) copyFileSync(join(ROOT, f), join(rules, f));
}

function makeRepo() {
  snapshotRuleSet();
  writeWorkspace(ws, {
    // What docs/stamping.md tells a repository to add.
    '.bazelrc': `build --incompatible_strict_action_env
build --experimental_worker_allow_json_protocol
build:release --stamp
build:release --workspace_status_command=tools/workspace_status.sh
`,
  }, 'stamp_it', rules);
  mkdirSync(join(ws, 'tools'), { recursive: true });
  copyFileSync(join(rules, 'tools/workspace_status.sh'), join(ws, 'tools/workspace_status.sh'));
  write('app/main.py', 'import __par__, json\nprint(json.dumps(__par__.build_info, sort_keys=True))\n');
  write('app/BUILD', `load("@rules_par//rules:defs.bzl", "python_binary")
# imports_ignore: imports_check does not know yet that every archive provides __par__ (reported).
[python_binary(name = n, main = "main.py", srcs = ["main.py"], stamp = s, imports_ignore = ["__par__"]) for n, s in [("follow", -1), ("never", 0), ("always", 1)]]
`);
  write('README.md', 'A repository for the stamping test.\n');
  // No .gitignore: the bazel-* convenience symlinks must not count as uncommitted changes.
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'first');
}

interface Build { spawns: string[]; archives: Record<string, string> }

let n = 0;
function build(args: string[]): Build {
  const log = join(dir, `exec-${n++}.json`);
  const r = bazel(['build', `--execution_log_json_file=${log}`, ...args, ...BINARIES.map((b) => `//app:${b}`)], { cwd: ws, startup });
  if (r.status !== 0) throw new Error(`bazel build ${args.join(' ')} failed:\n${r.stderr.slice(-4000)}`);
  const text = readFileSync(log, 'utf8');
  // Bazel 4-7 write concatenated pretty-printed JSON objects; pick out each spawn's mnemonic.
  const spawns = [...text.matchAll(/"mnemonic": "([^"]*)"/g)].map((m) => m[1]).sort();
  const archives: Record<string, string> = {};
  for (const b of BINARIES) archives[b] = join(ws, 'bazel-bin/app', b);
  return { spawns, archives };
}

function info(archive: string): Record<string, unknown> {
  const r = runArchive(archive, [], { env: { PAR_INFO: '1' } });
  if (r.status !== 0) throw new Error(`PAR_INFO=1 ${archive} failed:\n${r.stderr}`);
  const viaInfo = JSON.parse(r.stdout);
  // The program's own view (__par__.build_info) is the same dict.
  const run = runArchive(archive);
  expect(JSON.parse(run.stdout)).toEqual(viaInfo);
  return viaInfo;
}

/** The par CLI as users run it: the checked-in bundle. */
function par(...args: string[]): string {
  return sh(process.execPath, [join(rules, 'rules/private/tools/par.js'), ...args]);
}

const bytes = (p: string) => readFileSync(p);
const volatileTimestamp = () => /^BUILD_TIMESTAMP (\d+)$/m.exec(readFileSync(join(ws, 'bazel-out/volatile-status.txt'), 'utf8'))?.[1];

beforeAll(() => makeRepo());
afterAll(() => {
  bazel(['shutdown'], { cwd: ws, startup });
  rmSync(dir, { recursive: true, force: true });
});

describe('release stamping in a git checkout', () => {
  let head1 = '';
  let unstamped1: Buffer;
  let never1: Buffer;

  it('unstamped builds record no revision, time, host or user', () => {
    head1 = git('rev-parse', 'HEAD');
    const b = build([]);
    expect(b.spawns.filter((m) => m === 'ParPack')).toHaveLength(3);
    expect(b.spawns.filter((m) => m === 'ParStamp')).toHaveLength(1); // stamp = 1
    const i = info(b.archives.follow);
    expect(i).toMatchObject({ stamped: false, revision: null, dirty: null, branch: null, timestamp: null, label: '//app:follow', wheels: [] });
    expect(info(b.archives.never).stamped).toBe(false);
    // stamp = 1 stamps even without --stamp; without the status script the revision is unknown.
    expect(info(b.archives.always)).toMatchObject({ stamped: true, revision: 'unknown', dirty: null, branch: null });
    unstamped1 = bytes(b.archives.follow);
    never1 = bytes(b.archives.never);
  });

  it('unstamped archives contain no host name, user name, time or workspace path', async () => {
    const archive = join(ws, 'bazel-bin/app/follow');
    const zip = await ZipReader.open(archive);
    // The preamble is the packager's data lines followed by src/bootstrap/launcher.sh (less its
    // comment lines) and the `}` closing the truncation guard's block; only the data lines are
    // the packager's.
    const preamble = unstamped1.subarray(0, zip.preambleLength).toString('latin1');
    const script = launcherScript(readFileSync(join(rules, 'src/bootstrap/launcher.sh'), 'latin1')) + '}\n';
    expect(preamble.endsWith(script)).toBe(true);
    const generated: Array<[string, Buffer]> = [['(launcher)', Buffer.from(preamble.slice(0, preamble.length - script.length), 'latin1')]];
    const compiled: Array<[string, Buffer]> = [];
    try {
      for (const e of zip.entries) {
        if (e.name.endsWith('/')) continue; // a directory entry
        // The launch blob is a deflate stream of its own (src/archive/launch-blob.ts): read inflated.
        const data = e.name === LAUNCH_BLOB_ENTRY ? inflateRawSync(await zip.read(e)) : await zip.read(e);
        const source = [join(ws, e.name), join(rules, 'src/bootstrap', e.name)].find((f) => existsSync(f));
        if (source) expect([e.name, data.equals(readFileSync(source))]).toEqual([e.name, true]); // a verbatim copy
        else if (e.name.endsWith('.pyc') && !e.name.startsWith('__par__/_manifest')) compiled.push([e.name, data]);
        else generated.push([e.name, data]);
      }
    } finally {
      await zip.close();
    }
    expect(generated.map(([n]) => n).sort()).toEqual(['(launcher)', '__par__/_launch.blob', '__par__/_manifest.py']); // _manifest's code: in the blob
    const year = String(new Date().getUTCFullYear());
    const word = (w: string) => new RegExp(`(?<![A-Za-z0-9_])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
    const leaks: string[] = [];
    for (const [name, data] of [...generated, ...compiled]) {
      const text = data.toString('latin1');
      for (const secret of [ws, dir, year]) if (text.includes(secret)) leaks.push(`${name}: ${secret}`);
      if (word(hostname()).test(text)) leaks.push(`${name}: host name ${hostname()}`);
    }
    // The user name may be an ordinary word ("root"): look for it only where the packager
    // writes text of its own, as a whole word.
    for (const [name, data] of generated) if (word(userInfo().username).test(data.toString('latin1'))) leaks.push(`${name}: user`);
    expect(leaks).toEqual([]);
  });

  it('--config=release stamps the commit: revision, dirty=false, branch, timestamp', () => {
    const b = build(['--config=release']);
    // Only stamping runs: for `follow` (now stamped) and `always` (its status changed: now
    // it has a revision). The three packed bodies stay cached under --stamp.
    expect(b.spawns).toEqual(['ParStamp', 'ParStamp']);
    const i = info(b.archives.follow);
    expect(i).toMatchObject({ stamped: true, revision: head1, dirty: false, branch: 'main', label: '//app:follow' });
    expect(String(i.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(String(i.timestamp)) - Date.now())).toBeLessThan(10 * 60 * 1000);
    expect(info(b.archives.always)).toMatchObject({ stamped: true, revision: head1, dirty: false });
    // The stamp rewrote the launch blob after its entry: the directory it gives zipimport is
    // the stamped archive's, and the launcher reads the new blob.
    const check = runArchive(b.archives.follow, ['-c', DIRECTORY_CHECK], { env: { PAR_INTERPRETER: '1', PAR_DEBUG_STARTUP: '1' } });
    expect(check.stdout).toBe('OK\n');
    expect(check.stderr).toMatch(/^par: launch blob +\d/m);
    // stamp = 0 stays unstamped under --stamp, and is the very file an unstamped build gives.
    expect(info(b.archives.never)).toMatchObject({ stamped: false, revision: null });
    expect(bytes(b.archives.never).equals(never1)).toBe(true);
    copyFileSync(b.archives.follow, join(dir, 'release-1'));
  });

  it('a changed volatile key alone (the time) re-runs nothing', () => {
    const before = volatileTimestamp();
    spawnSync('sleep', ['1.1']);
    const b = build(['--config=release']);
    expect(volatileTimestamp()).not.toBe(before);
    expect(b.spawns).toEqual([]);
  });

  it('an uncommitted edit makes dirty=true, re-running only ParStamp per stamped binary', () => {
    write('README.md', 'edited, not committed\n');
    const b = build(['--config=release']);
    expect(b.spawns).toEqual(['ParStamp', 'ParStamp']);
    expect(info(b.archives.follow)).toMatchObject({ revision: head1, dirty: true });
    expect(info(b.archives.always)).toMatchObject({ revision: head1, dirty: true });
  });

  it('a new commit gives a new revision, again re-running only ParStamp', () => {
    git('commit', '-qam', 'second: docs only');
    const head2 = git('rev-parse', 'HEAD');
    expect(head2).not.toBe(head1);
    const b = build(['--config=release']);
    expect(b.spawns).toEqual(['ParStamp', 'ParStamp']);
    expect(info(b.archives.follow)).toMatchObject({ revision: head2, dirty: false, branch: 'main' });
    // What a release engineer asks: same code, new revision.
    const d = JSON.parse(par('diff', '--json', join(dir, 'release-1'), b.archives.follow));
    expect(d.build_info.map((c: { field: string }) => c.field)).toEqual(expect.arrayContaining(['revision']));
    expect(d.build_info.find((c: { field: string }) => c.field === 'revision')).toEqual({ field: 'revision', a: head1, b: head2 });
    expect(d.files).toMatchObject({ added: [], removed: [], changed: [] });
    const shown = par('inspect', b.archives.follow).split('\n');
    expect(shown[1]).toBe(`  revision   ${head2}  (clean, branch main)`);
    expect(shown[2]).toMatch(/^  built      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('unstamped archives are byte-identical across two commits that do not touch the sources', () => {
    // A clean build really re-packs (ParPack runs again), at the second commit.
    const c = bazel(['clean'], { cwd: ws, startup });
    expect(c.status).toBe(0);
    const b = build([]);
    expect(b.spawns.filter((m) => m === 'ParPack')).toHaveLength(3);
    expect(bytes(b.archives.follow).equals(unstamped1)).toBe(true);
  });

  it('user STABLE_* keys from the status script are carried into the build info', () => {
    write('tools/workspace_status.sh', readFileSync(join(ws, 'tools/workspace_status.sh'), 'utf8').replace(/\nexit 0\n$/, '\necho "STABLE_RELEASE_TRAIN r42 (spring)"\nexit 0\n'));
    git('commit', '-qam', 'status: release train');
    const b = build(['--config=release']);
    expect(info(b.archives.follow)).toMatchObject({ status: { STABLE_RELEASE_TRAIN: 'r42 (spring)' }, dirty: false });
  });

  it('outside a git checkout the revision is unknown and the build still succeeds', () => {
    renameSync(join(ws, '.git'), join(ws, '.git-away'));
    try {
      const b = build(['--config=release']);
      expect(info(b.archives.follow)).toMatchObject({ stamped: true, revision: 'unknown', dirty: null, branch: null });
    } finally {
      renameSync(join(ws, '.git-away'), join(ws, '.git'));
    }
  });
});
